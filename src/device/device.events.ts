import { EventEmitter } from 'node:events';

/**
 * What the device tells the world about itself. The link client (a later issue) subscribes to
 * these and reports them to the cloud; the HTTP API's event log records them too.
 */
export interface DeviceEventMap {
  /** Generate New decided on a generation; it is being stored (announce it, do not show it). */
  'code-regenerating': [{ generation: number }];
  /** The new generation is stored and its code is shown. */
  'code-regenerated': [{ generation: number }];
  'factory-reset': [{ network: boolean }];
  'config-restored': [{ encrypted: boolean }];
  'config-changed': [{ reason: string }];
  restarted: [{ reason: string; firmwareVersion: string }];
  'switch-changed': [{ switch: number; active: boolean; locked: boolean; held: boolean }];
  'input-changed': [{ port: string; active: boolean }];
  'output-changed': [{ port: string; active: boolean }];
  /** Issue 17: one decision at the door (front panel, or a remote open), for the cloud's log. */
  'access-decided': [AccessDecided];
}

/** What the door decided, as the link reports it (`AccessEventMessage` without its type). */
export interface AccessDecided {
  at: string;
  granted: boolean;
  credential: 'pin' | 'card' | 'code' | 'remote';
  accessPoint: number | null;
  switch: number | null;
  uuid?: string;
  name?: string;
  reason?: string;
}

export type DeviceEventName = keyof DeviceEventMap;

export class DeviceEvents extends EventEmitter<DeviceEventMap> {
  /**
   * Subscribes to one event and returns the function that unsubscribes; convenient for
   * listeners registered generically (e.g. by the link client).
   */
  subscribe<E extends DeviceEventName>(
    event: E,
    listener: (...args: DeviceEventMap[E]) => void,
  ): () => void {
    const untyped = this as unknown as EventEmitter;
    const handler = listener as (...args: unknown[]) => void;
    untyped.on(event, handler);
    return () => untyped.off(event, handler);
  }
}
