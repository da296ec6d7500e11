import type { DeviceEvents } from './device.events.ts';
import { invalidParam } from './device.errors.ts';

export interface IoPort {
  port: string;
  type: 'input' | 'output';
}

/** The logical inputs and outputs of a 2N IP Verso-like unit. */
export const IO_PORTS: IoPort[] = [
  { port: 'input1', type: 'input' },
  { port: 'input2', type: 'input' },
  { port: 'relay1', type: 'output' },
  { port: 'relay2', type: 'output' },
  { port: 'tamper', type: 'input' },
];

/**
 * Inputs and outputs. Outputs are set through /api/io/ctrl; inputs change only by "wiring",
 * which the emulator offers through the admin API's simulation endpoint.
 */
export class IoService {
  #state = new Map<string, boolean>();

  private readonly events: DeviceEvents;
  constructor(events: DeviceEvents) {
    this.events = events;
  }

  reset(): void {
    this.#state.clear();
  }

  caps(only?: string): IoPort[] {
    if (only !== undefined) this.#port(only);
    return IO_PORTS.filter((p) => only === undefined || p.port === only);
  }

  status(only?: string) {
    return this.caps(only).map((p) => ({ port: p.port, state: this.#state.get(p.port) ? 1 : 0 }));
  }

  setOutput(port: string, active: boolean): void {
    const info = this.#port(port);
    if (info.type !== 'output') {
      throw invalidParam(
        'port',
        `"${port}" is an input; only outputs (${outputs()}) can be controlled.`,
      );
    }
    this.#set(info, active);
  }

  /** Emulator only: what a wired contact (door sensor, exit button) would do. */
  simulateInput(port: string, active: boolean): void {
    const info = this.#port(port);
    if (info.type !== 'input') {
      throw invalidParam(
        'port',
        `"${port}" is an output; simulate one of the inputs (${IO_PORTS.filter(
          (p) => p.type === 'input',
        )
          .map((p) => p.port)
          .join(', ')}).`,
      );
    }
    this.#set(info, active);
  }

  #set(info: IoPort, active: boolean): void {
    if ((this.#state.get(info.port) ?? false) === active) return;
    this.#state.set(info.port, active);
    this.events.emit(info.type === 'input' ? 'input-changed' : 'output-changed', {
      port: info.port,
      active,
    });
  }

  #port(port: string): IoPort {
    const info = IO_PORTS.find((p) => p.port === port);
    if (!info) {
      throw invalidParam(
        'port',
        `There is no port "${port}"; use one of ${IO_PORTS.map((p) => p.port).join(', ')} (see /api/io/caps).`,
      );
    }
    return info;
  }
}

const outputs = () =>
  IO_PORTS.filter((p) => p.type === 'output')
    .map((p) => p.port)
    .join(', ');
