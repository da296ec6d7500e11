import type { ConfigStore } from './config.store.ts';
import { SWITCH_COUNT, type SwitchSettings } from './config.model.ts';
import type { DeviceEvents } from './device.events.ts';
import { invalidParam } from './device.errors.ts';

export const SWITCH_ACTIONS = [
  'on',
  'off',
  'trigger',
  'lock',
  'unlock',
  'hold',
  'release',
] as const;
export type SwitchAction = (typeof SWITCH_ACTIONS)[number];

interface SwitchState {
  active: boolean;
  locked: boolean;
  held: boolean;
  offTimer?: NodeJS.Timeout;
  releaseTimer?: NodeJS.Timeout;
}

type Snapshot = { active: boolean; locked: boolean; held: boolean };

/** What Hardware → Switches lets an administrator change; the number itself is fixed. */
export type SwitchChanges = Partial<Omit<SwitchSettings, 'switch'>>;

const SWITCH_MODES: ReadonlyArray<SwitchSettings['mode']> = ['monostable', 'bistable'];
const SWITCH_TYPES: ReadonlyArray<SwitchSettings['type']> = ['normal', 'security'];
/** The vendor's switch-on duration range in Hardware → Switches (1 s to 1 hour). */
export const MAX_SWITCH_ON_SECONDS = 3600;

export interface SwitchStatus {
  switch: number;
  active: boolean;
  locked: boolean;
  held: boolean;
}

/**
 * The relays (door locks). Locked wins over held, held over the plain state, as the vendor
 * describes; a monostable switch turns itself off after its switch-on duration.
 */
export class SwitchesService {
  #state: SwitchState[] = [];

  private readonly config: ConfigStore;
  private readonly events: DeviceEvents;
  constructor(config: ConfigStore, events: DeviceEvents) {
    this.config = config;
    this.events = events;
    this.reset();
  }

  /** Back to power-on state (restart, factory reset): everything off, unlocked, released. */
  reset(): void {
    for (const state of this.#state) {
      clearTimeout(state.offTimer);
      clearTimeout(state.releaseTimer);
    }
    this.#state = Array.from({ length: SWITCH_COUNT }, () => ({
      active: false,
      locked: false,
      held: false,
    }));
  }

  close(): void {
    this.reset();
  }

  caps(only?: number) {
    return this.config.current.switches
      .filter((sw) => only === undefined || sw.switch === only)
      .map((sw) =>
        sw.enabled
          ? {
              switch: sw.switch,
              enabled: true,
              mode: sw.mode,
              switchOnDuration: sw.switchOnDuration,
              type: sw.type,
            }
          : { switch: sw.switch, enabled: false },
      );
  }

  status(only?: number): SwitchStatus[] {
    return this.#state
      .map((state, index) => ({
        switch: index + 1,
        active: this.#effective(state),
        locked: state.locked,
        held: state.held,
      }))
      .filter((s) => only === undefined || s.switch === only);
  }

  checkSwitchNumber(value: number): void {
    if (!Number.isInteger(value) || value < 1 || value > SWITCH_COUNT) {
      throw invalidParam(
        'switch',
        `Use a switch number from 1 to ${SWITCH_COUNT} (see /api/switch/caps).`,
      );
    }
  }

  /**
   * Hardware → Switches: enable, mode, switch-on duration and type of one switch. Every field
   * is checked before anything is saved, so a refused change leaves the switch as it was.
   */
  async configure(number: number, changes: SwitchChanges): Promise<void> {
    this.checkSwitchNumber(number);
    if (changes.enabled !== undefined && typeof changes.enabled !== 'boolean') {
      throw invalidParam('enabled', 'Give enabled as true or false.');
    }
    if (changes.mode !== undefined && !SWITCH_MODES.includes(changes.mode)) {
      throw invalidParam('mode', `Choose the mode ${SWITCH_MODES.join(' or ')}.`);
    }
    if (changes.type !== undefined && !SWITCH_TYPES.includes(changes.type)) {
      throw invalidParam('type', `Choose the type ${SWITCH_TYPES.join(' or ')}.`);
    }
    const duration = changes.switchOnDuration;
    if (
      duration !== undefined &&
      (!Number.isInteger(duration) || duration < 1 || duration > MAX_SWITCH_ON_SECONDS)
    ) {
      throw invalidParam(
        'switchOnDuration',
        `Give the switch-on duration in whole seconds, from 1 to ${MAX_SWITCH_ON_SECONDS}.`,
      );
    }
    const known = Object.fromEntries(
      (['enabled', 'mode', 'switchOnDuration', 'type'] as const)
        .filter((key) => changes[key] !== undefined)
        .map((key) => [key, changes[key]]),
    );
    await this.config.update(`switch ${number} settings changed`, (draft) => {
      Object.assign(draft.switches[number - 1]!, known);
    });
  }

  control(number: number, action: SwitchAction, holdTimeout?: number): void {
    this.checkSwitchNumber(number);
    const settings = this.config.current.switches[number - 1]!;
    if (!settings.enabled) {
      throw invalidParam(
        'switch',
        `Switch ${number} is disabled; enable it in Hardware → Switches first.`,
      );
    }
    const state = this.#state[number - 1]!;
    const before = this.#snapshot(state);
    // A locked or held switch cannot be operated until unlocked or released.
    const blocked = state.locked || state.held;
    switch (action) {
      case 'on':
        if (blocked) break;
        this.#activate(
          number,
          state,
          settings.mode === 'monostable' ? settings.switchOnDuration : 0,
        );
        break;
      case 'off':
        if (blocked) break;
        clearTimeout(state.offTimer);
        state.active = false;
        break;
      case 'trigger':
        if (blocked) break;
        if (settings.mode === 'monostable')
          this.#activate(number, state, settings.switchOnDuration);
        else state.active = !state.active;
        break;
      case 'lock':
        clearTimeout(state.offTimer);
        state.active = false;
        state.locked = true;
        break;
      case 'unlock':
        state.locked = false;
        break;
      case 'hold':
        state.held = true;
        clearTimeout(state.releaseTimer);
        if (holdTimeout !== undefined) {
          state.releaseTimer = setTimeout(() => {
            const prior = this.#snapshot(state);
            state.held = false;
            this.#announce(number, prior, state);
          }, holdTimeout * 1000);
          state.releaseTimer.unref();
        }
        break;
      case 'release':
        clearTimeout(state.releaseTimer);
        state.held = false;
        break;
    }
    this.#announce(number, before, state);
  }

  #activate(number: number, state: SwitchState, seconds: number): void {
    clearTimeout(state.offTimer);
    state.active = true;
    if (seconds > 0) {
      state.offTimer = setTimeout(() => {
        const before = this.#snapshot(state);
        state.active = false;
        this.#announce(number, before, state);
      }, seconds * 1000);
      state.offTimer.unref();
    }
  }

  #effective(state: SwitchState): boolean {
    if (state.locked) return false;
    return state.held || state.active;
  }

  #snapshot(state: SwitchState): Snapshot {
    return { active: this.#effective(state), locked: state.locked, held: state.held };
  }

  #announce(number: number, before: Snapshot, state: SwitchState): void {
    const after = this.#snapshot(state);
    if (
      after.active !== before.active ||
      after.locked !== before.locked ||
      after.held !== before.held
    ) {
      this.events.emit('switch-changed', { switch: number, ...after });
    }
  }
}
