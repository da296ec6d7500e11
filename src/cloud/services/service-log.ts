import { requestLog } from './request-context.ts';

/** The part of a pino logger the services use for what they do in the background. */
export interface LogTarget {
  info(object: object, message: string): void;
  error(object: object, message: string): void;
}

/**
 * Services are made before the node's HTTP app and its logger (openCloud), so they log through
 * this port, and the node attaches its logger once it has one; until then nothing is written.
 * Callers pass ids and reasons, never PINs, codes or tokens. During a request, lines go
 * through that request's logger, so they carry its request id (request-context.ts).
 */
export class ServiceLog implements LogTarget {
  #target: LogTarget | null = null;

  attach(target: LogTarget | null): void {
    this.#target = target;
  }

  info(object: object, message: string): void {
    if (this.#target) (requestLog.getStore() ?? this.#target).info(object, message);
  }

  error(object: object, message: string): void {
    if (this.#target) (requestLog.getStore() ?? this.#target).error(object, message);
  }
}
