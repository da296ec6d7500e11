/** The part of a pino logger the services use for what they do in the background. */
export interface LogTarget {
  info(object: object, message: string): void;
  error(object: object, message: string): void;
}

/**
 * Services are made before the node's HTTP app and its logger (openCloud), so they log through
 * this port, and the node attaches its logger once it has one; until then nothing is written.
 * Callers pass ids and reasons, never PINs, codes or tokens.
 */
export class ServiceLog implements LogTarget {
  #target: LogTarget | null = null;

  attach(target: LogTarget | null): void {
    this.#target = target;
  }

  info(object: object, message: string): void {
    this.#target?.info(object, message);
  }

  error(object: object, message: string): void {
    this.#target?.error(object, message);
  }
}
