import type { ConfigStore } from './config.store.ts';
import {
  AUTH_METHODS,
  SERVICE_NAMES,
  type ServiceName,
  type ServiceSettings,
} from './config.model.ts';
import { invalidParam } from './device.errors.ts';

export type ServiceChanges = Partial<ServiceSettings>;

const CONNECTIONS: ReadonlyArray<ServiceSettings['connection']> = ['http', 'https'];

/**
 * Device-wide settings that belong to no hardware part: the HTTP API services (vendor web
 * interface Services → HTTP API: enabled, connection type, authentication per service) and the
 * device name the pages show.
 */
export class SettingsService {
  private readonly config: ConfigStore;
  constructor(config: ConfigStore) {
    this.config = config;
  }

  get deviceName(): string {
    return this.config.current.webServer.deviceName;
  }

  /** Names an HTTP API service, or refuses with the list of services (param `service`). */
  serviceName(name: string): ServiceName {
    if (!(SERVICE_NAMES as readonly string[]).includes(name)) {
      throw invalidParam(
        'service',
        `There is no service "${name}"; use one of ${SERVICE_NAMES.join(', ')}.`,
      );
    }
    return name as ServiceName;
  }

  /** Services → HTTP API → one service; every field is checked before anything is saved. */
  async configureService(name: string, changes: ServiceChanges): Promise<void> {
    const service = this.serviceName(name);
    if (changes.enabled !== undefined && typeof changes.enabled !== 'boolean') {
      throw invalidParam('enabled', 'Give enabled as true or false.');
    }
    if (changes.connection !== undefined && !CONNECTIONS.includes(changes.connection)) {
      throw invalidParam('connection', `Choose the connection ${CONNECTIONS.join(' or ')}.`);
    }
    if (changes.auth !== undefined && !AUTH_METHODS.includes(changes.auth)) {
      throw invalidParam('auth', `Choose the authentication ${AUTH_METHODS.join(', ')}.`);
    }
    const known = Object.fromEntries(
      (['enabled', 'connection', 'auth'] as const)
        .filter((key) => changes[key] !== undefined)
        .map((key) => [key, changes[key]]),
    );
    await this.config.update(`HTTP API service ${service} changed`, (draft) => {
      Object.assign(draft.httpApi.services[service], known);
    });
  }
}
