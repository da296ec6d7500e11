import {
  apId,
  type AccessDecision,
  type AccessService,
  type Credential,
} from './access.service.ts';
import type { CallsService, Recorder, SessionView } from './calls.service.ts';
import type { DirectoryUser } from './config.model.ts';
import type { DeviceEvents } from './device.events.ts';
import { DeviceError, invalidParam } from './device.errors.ts';
import { doorEvents, limitedEvent } from './door-events.ts';
import type { EventParams, EventType } from './event.catalog.ts';
import type { LogEvent } from './event-log.service.ts';
import type { IoService } from './io.service.ts';
import type { SwitchesService } from './switches.service.ts';

/** Keypad keys as the manual names them in KeyPressed/KeyReleased (§5.10.1). */
const KEYPAD_KEYS = /^[0-9*#]$/;
/** Call buttons are keys "%1", "%2", … (up to 54 on a large modular unit). */
export const MAX_CALL_BUTTONS = 54;
/** A PIN in the directory has up to 15 digits; a switch code up to 16. */
export const MAX_CODE_LENGTH = 16;
export const MAX_CARD_LENGTH = 32;
/** §5.10.1 AccessLimited: after 5 failed authentications the access point refuses for 30 s. */
export const FAILED_ATTEMPTS_LIMIT = 5;
export const ACCESS_LIMITED_MS = 30_000;
const RECENT_EVENTS = 20;
/** The door contact is wired to input1, the tamper switch to the "tamper" input (see /api/io/caps). */
const DOOR_INPUT = 'input1';
const TAMPER_INPUT = 'tamper';

export interface CallButton {
  button: number;
  key: string;
  uuid: string;
  name: string;
  peer: string;
}

export interface RecentEvent {
  utcTime: number;
  event: string;
  params: LogEvent['params'];
}

export interface CredentialResult {
  valid: boolean;
  user: string | null;
  switches: number[];
  /** Set when the access point refuses everyone for a while after failed attempts. */
  accessLimitedFor?: number;
}

export interface FrontPanelDeps {
  /** Records in the device's event log; expected to call `note` too (device.ts wires both). */
  record: Recorder;
  access: AccessService;
  switches: SwitchesService;
  io: IoService;
  calls: CallsService;
  events: DeviceEvents;
  directoryUsers: () => DirectoryUser[];
  utcTime: () => number;
}

/**
 * What a person at the door does, as the emulator's front panel: call buttons, keypad, card
 * reader, door contact, tamper switch and motion sensor. Each action raises the events the
 * manual describes for it (2N HTTP API §5.10.1), in the order a real unit raises them: the keys
 * first, then what the entry means (CodeEntered/CardEntered, UserAuthenticated), then its effect
 * (the switch, the call).
 */
export class FrontPanelService {
  #recent: RecentEvent[] = [];
  #failed = new Map<number, number>();
  #limitedUntil = new Map<number, number>();
  #door = false;
  #tamper = false;
  #motion = false;

  private readonly deps: FrontPanelDeps;
  constructor(deps: FrontPanelDeps) {
    this.deps = deps;
    // Switch and input changes are recorded by the event log itself; keep them here too so the
    // panel can show what its actions caused.
    deps.events.on('switch-changed', (e) =>
      this.note('SwitchStateChanged', { switch: e.switch, state: e.active }),
    );
    deps.events.on('input-changed', (e) =>
      this.note('InputChanged', { port: e.port, state: e.active }),
    );
  }

  /** Call button N is the Nth directory user that has a number to call, in directory order. */
  buttons(): CallButton[] {
    return this.deps
      .directoryUsers()
      .filter((user) => (user.callPos[0]?.peer ?? '') !== '')
      .slice(0, MAX_CALL_BUTTONS)
      .map((user, index) => ({
        button: index + 1,
        key: `%${index + 1}`,
        uuid: user.uuid,
        name: user.name,
        peer: user.callPos[0]!.peer,
      }));
  }

  status() {
    const now = Date.now();
    return {
      door: this.#door ? 'opened' : 'closed',
      tamper: this.#tamper,
      motion: this.#motion,
      buttons: this.buttons(),
      calls: this.deps.calls.status() satisfies SessionView[],
      callLimits: this.deps.calls.limits,
      accessPoints: [1, 2].map((ap) => ({
        accessPoint: ap,
        failedAttempts: this.#failed.get(ap) ?? 0,
        limitedForSeconds: Math.max(0, Math.ceil(((this.#limitedUntil.get(ap) ?? 0) - now) / 1000)),
      })),
      recentEvents: [...this.#recent].reverse(),
    };
  }

  /** One key: a keypad key ("0"–"9", "*", "#") or a call button ("%N", which also dials). */
  pressKey(key: string): { session?: number } {
    const button = /^%(\d{1,2})$/.exec(key);
    if (button) return { session: this.pressButton(Number(button[1])) };
    if (!KEYPAD_KEYS.test(key)) {
      throw invalidParam('key', 'Press a keypad key 0–9, * or #, or a call button %1, %2, …');
    }
    this.#press(key);
    return {};
  }

  /** A call button: KeyPressed/KeyReleased "%N", then the intercom calls the button's user. */
  pressButton(button: number): number {
    const entry = this.buttons().find((b) => b.button === button);
    if (!entry) {
      const count = this.buttons().length;
      throw invalidParam(
        'button',
        count === 0
          ? 'No call button is assigned: add a directory user with a number to call (callPos.peer).'
          : `Use a call button from 1 to ${count}; button N calls the Nth directory user with a number.`,
      );
    }
    this.#press(entry.key);
    return this.deps.calls.dial([entry.peer]);
  }

  /** Types a code and confirms it: the keys, CodeEntered, and for a valid one the access. */
  enterCode(code: string, accessPoint = 1): CredentialResult {
    checkAccessPoint(accessPoint);
    if (!new RegExp(`^\\d{1,${MAX_CODE_LENGTH}}$`).test(code)) {
      throw invalidParam('code', `Type 1 to ${MAX_CODE_LENGTH} digits.`);
    }
    for (const key of code) this.#press(key);
    // The digits stay out of the event (event.catalog.ts): no PIN reaches a log.
    return this.#authenticate({ kind: 'code', value: code }, accessPoint, (valid, who) =>
      this.#record('CodeEntered', { ap: apId(accessPoint), valid, ...who }),
    );
  }

  /** Holds a card to the reader: CardEntered, then the same rules as a code. */
  presentCard(uid: string, accessPoint = 1): CredentialResult {
    checkAccessPoint(accessPoint);
    if (!new RegExp(`^[0-9A-Za-z]{1,${MAX_CARD_LENGTH}}$`).test(uid)) {
      throw invalidParam('uid', `Give the card id as 1 to ${MAX_CARD_LENGTH} letters or digits.`);
    }
    return this.#authenticate({ kind: 'card', value: uid }, accessPoint, (valid, who) =>
      this.#record('CardEntered', {
        ap: apId(accessPoint),
        direction: direction(accessPoint),
        reader: accessPoint === 1 ? 'internal' : 'external',
        uid,
        valid,
        ...who,
      }),
    );
  }

  /** The door contact (on input1): InputChanged, then DoorStateChanged; nothing if unchanged. */
  setDoor(open: boolean): void {
    if (this.#door === open) return;
    this.#door = open;
    this.deps.io.simulateInput(DOOR_INPUT, open);
    this.#record('DoorStateChanged', { state: open ? 'opened' : 'closed' });
  }

  /** The tamper switch (the "tamper" input): InputChanged, then TamperSwitchActivated. */
  setTamper(active: boolean): void {
    if (this.#tamper === active) return;
    this.#tamper = active;
    this.deps.io.simulateInput(TAMPER_INPUT, active);
    this.#record('TamperSwitchActivated', { state: active ? 'in' : 'out' });
  }

  /** The camera's motion detection: MotionDetected "in" when motion starts, "out" when it ends. */
  setMotion(active: boolean): void {
    if (this.#motion === active) return;
    this.#motion = active;
    this.#record('MotionDetected', { state: active ? 'in' : 'out' });
  }

  /** A restart forgets the contacts and counters (the inputs are reset by the I/O service). */
  reset(): void {
    this.#door = false;
    this.#tamper = false;
    this.#motion = false;
    this.#failed.clear();
    this.#limitedUntil.clear();
  }

  #authenticate(
    credential: Credential,
    accessPoint: number,
    entered: (valid: boolean, who: { session?: number; uuid?: string }) => void,
  ): CredentialResult {
    const limitedFor = (this.#limitedUntil.get(accessPoint) ?? 0) - Date.now();
    if (limitedFor > 0) {
      // The access point refuses even a right credential while limited (§5.10.1 AccessLimited).
      entered(false, {});
      this.deps.events.emit('access-decided', limitedEvent(credential, accessPoint, new Date()));
      return {
        valid: false,
        user: null,
        switches: [],
        accessLimitedFor: Math.ceil(limitedFor / 1000),
      };
    }
    const decision = this.deps.access.check(credential, accessPoint);
    // §5.10.1: one session number ties CodeEntered/CardEntered to the UserAuthenticated it leads to.
    const session = decision.user ? this.deps.access.nextSession() : undefined;
    const who = decision.user ? { session, uuid: decision.user.uuid } : {};
    entered(decision.granted, who);
    if (!decision.granted) {
      this.#failedAttempt(accessPoint, credential.kind);
      this.#decided(credential, accessPoint, decision, []);
      return { valid: false, user: null, switches: [] };
    }
    this.#failed.delete(accessPoint);
    if (decision.user) {
      this.#record('UserAuthenticated', {
        ap: apId(accessPoint),
        session: session!,
        uuid: decision.user.uuid,
        name: decision.user.name,
      });
    }
    const opened = decision.switches.filter((number) => this.#trigger(number));
    this.#decided(credential, accessPoint, decision, opened);
    return { valid: true, user: decision.user?.name ?? null, switches: opened };
  }

  /** Tells the device's listeners (the link to the cloud's access log) what the door decided. */
  #decided(
    credential: Credential,
    accessPoint: number,
    decision: AccessDecision,
    opened: number[],
  ): void {
    for (const event of doorEvents(credential, accessPoint, decision, opened, new Date())) {
      this.deps.events.emit('access-decided', event);
    }
  }

  #failedAttempt(accessPoint: number, type: Credential['kind']): void {
    const failures = (this.#failed.get(accessPoint) ?? 0) + 1;
    if (failures < FAILED_ATTEMPTS_LIMIT) {
      this.#failed.set(accessPoint, failures);
      return;
    }
    this.#failed.delete(accessPoint);
    this.#limitedUntil.set(accessPoint, Date.now() + ACCESS_LIMITED_MS);
    // §5.10.1 AccessLimited: the access point refuses everything for the next 30 s.
    this.#record('AccessLimited', { ap: apId(accessPoint), type, state: true });
  }

  /** A granted switch that is disabled simply does not move, as on the real unit. */
  #trigger(number: number): boolean {
    try {
      this.deps.switches.control(number, 'trigger');
      return true;
    } catch (error) {
      if (error instanceof DeviceError) return false;
      throw error;
    }
  }

  #press(key: string): void {
    this.#record('KeyPressed', { key });
    this.#record('KeyReleased', { key });
  }

  #record<E extends EventType>(event: E, params: EventParams[E]): void {
    this.deps.record(event, params);
  }

  /** Keeps an event for the panel's "recent events"; the device's recorder calls it for each. */
  note(event: string, params: LogEvent['params']): void {
    this.#recent.push({ utcTime: this.deps.utcTime(), event, params });
    if (this.#recent.length > RECENT_EVENTS) this.#recent.shift();
  }
}

/** Access point 1 is the entry (reader outside), 2 the exit; the manual's direction "in"/"out". */
const direction = (accessPoint: number) => (accessPoint === 1 ? 'in' : 'out');

function checkAccessPoint(accessPoint: number): void {
  if (accessPoint !== 1 && accessPoint !== 2) {
    throw invalidParam('accessPoint', 'Use access point 1 (entry) or 2 (exit).');
  }
}
