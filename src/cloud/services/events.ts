import { EventEmitter } from 'node:events';

/** What happened in the cloud that other parts (the device link, live portal updates) follow. */
export interface CloudEvents {
  /** A device got a new owner site, or none (`siteName` null) after a delete. */
  'ownership-changed': [{ serialNumber: string; siteId: string | null; siteName: string | null }];
  /** A device's presence or reported state changed. */
  'device-updated': [{ serialNumber: string }];
}

/** A typed in-process event bus. */
export class CloudEventBus extends EventEmitter<CloudEvents> {}
