import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { LatchkeyError } from '../../../core/errors.ts';
import type { CloudMetrics } from '../../metrics/metrics.registry.ts';
import { metricsTokenCheck } from '../../metrics/metrics.access.ts';

/**
 * GET /metrics on the main port, in the Prometheus text format, for a scraper holding the
 * metrics token. Not part of the /api document: an operator's endpoint, not the product's.
 */
export function metricsRoutes(deps: {
  metrics: CloudMetrics;
  token: string;
}): FastifyPluginAsyncZod {
  const allowed = metricsTokenCheck(deps.token);
  return async (app) => {
    app.get(
      '/metrics',
      { config: { public: true }, schema: { hide: true } },
      async (request, reply) => {
        if (!allowed(request.headers.authorization)) {
          void reply.header('WWW-Authenticate', 'Bearer realm="metrics"');
          throw new LatchkeyError('METRICS_TOKEN_INVALID');
        }
        const text = await deps.metrics.scrape();
        return reply.type(deps.metrics.contentType).send(text);
      },
    );
  };
}
