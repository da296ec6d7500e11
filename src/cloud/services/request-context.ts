import { AsyncLocalStorage } from 'node:async_hooks';
import type { LogTarget } from './service-log.ts';

/**
 * The logger of the request being handled (Fastify's child logger, which carries the request
 * id), for the lines services write during it: the HTTP layer enters it once per request, so
 * no service needs a request parameter to log with its id (Node.js "Asynchronous context
 * tracking").
 */
export const requestLog = new AsyncLocalStorage<LogTarget>();
