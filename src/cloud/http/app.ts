import fastifyCookie from '@fastify/cookie';
import fastifyHelmet from '@fastify/helmet';
import fastifySwagger from '@fastify/swagger';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { CloudMetrics } from '../metrics/metrics.registry.ts';
import type { Services } from '../services/services.ts';
import { installAuth } from './auth.hooks.ts';
import {
  clientErrorHandler,
  frameworkErrorHandler,
  installErrorHandling,
} from './error-handler.ts';
import { activityRoutes } from './routes/activity.routes.ts';
import { installPortal } from './portal.static.ts';
import { installRequestIds, requestIdOf } from './request-id.ts';
import { metricsRoutes } from './routes/metrics.routes.ts';
import { accountRoutes } from './routes/account.routes.ts';
import { authRoutes } from './routes/auth.routes.ts';
import { devicesRoutes } from './routes/devices.routes.ts';
import { devicePageRoutes } from './routes/device-page.routes.ts';
import { doorRoutes } from './routes/door.routes.ts';
import { linkFirmwareRoutes } from './routes/link-firmware.routes.ts';
import { rolloutsRoutes } from './routes/rollouts.routes.ts';
import { webhooksRoutes } from './routes/webhooks.routes.ts';
import { eventsRoutes } from './routes/events.routes.ts';
import { siteDevicesRoutes } from './routes/site-devices.routes.ts';
import { sitesRoutes } from './routes/sites.routes.ts';
import { companyRoutes } from './routes/company.routes.ts';
import { twoFactorRoutes } from './routes/two-factor.routes.ts';
import { membersRoutes } from './routes/members.routes.ts';
import { invitationsRoutes } from './routes/invitations.routes.ts';
import { buildingsRoutes } from './routes/buildings.routes.ts';
import { transfersRoutes } from './routes/transfers.routes.ts';
import { bulkAddRoutes } from './routes/bulk-add.routes.ts';
import { backupsRoutes } from './routes/backups.routes.ts';
import { linkBackupsRoutes } from './routes/link-backups.routes.ts';
import { firmwareRoutes } from './routes/firmware.routes.ts';
import { remoteRoutes } from './routes/remote.routes.ts';
import { remoteRelayRoutes } from './routes/remote-relay.routes.ts';

export interface BuildOptions {
  services: Services;
  logger?: boolean | object;
  /**
   * Always set the Secure flag on the session cookie; without it the flag follows the request
   * (HTTPS, or X-Forwarded-Proto: https from the trusted proxy).
   */
  secureCookies?: boolean;
  /**
   * Behind one reverse proxy: the client address (per-address rate limit, audit) is the last
   * one the proxy added to X-Forwarded-For. Only that hop is trusted, so addresses a client
   * writes into the header itself are ignored.
   */
  trustProxy?: boolean;
  /** What /readyz checks (issue 8): each dependency and whether it answers now. */
  readiness?: () => Promise<Record<string, boolean>>;
  /** The node's metrics: every answer is counted; /metrics serves them with `metricsToken`. */
  metrics?: CloudMetrics;
  /** GET /metrics on this app needs `Authorization: Bearer <metricsToken>`; without, 404. */
  metricsToken?: string | undefined;
}

/** Only the API reads bodies, and only JSON, up to 64 KiB. */
const BODY_LIMIT = 64 * 1024;

/**
 * The portal's Content-Security-Policy (CSP Level 3): scripts, styles and connections only from
 * this origin and nothing inline, so injected markup cannot run; `frame-ancestors 'none'` keeps
 * other sites from framing the portal to trick clicks (deleting a device). No
 * upgrade-insecure-requests: a node reached over plain HTTP on a local network must still work.
 */
const CONTENT_SECURITY_POLICY = {
  useDefaults: false,
  directives: {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'"],
    scriptSrcAttr: ["'none'"],
    styleSrc: ["'self'"],
    imgSrc: ["'self'", 'data:'],
    fontSrc: ["'self'"],
    connectSrc: ["'self'"],
    objectSrc: ["'none'"],
    baseUri: ["'self'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
  },
};

/** Tokens that travel in a path (password reset and invitation links) are never logged. */
export const redactPath = (url: string): string =>
  url
    .replace(/^(\/api\/auth\/password-reset\/)[^/?#]*/, '$1[redacted]')
    .replace(/^(\/api\/invitations\/)[^/?#]*/, '$1[redacted]')
    .replace(/^(\/link\/(?:backups|firmware)\/)[^/?#]*/, '$1[redacted]');

/** Fastify's request log line, with the path's secrets redacted. */
const requestSerializer = (request: {
  method: string;
  url: string;
  hostname?: string;
  ip?: string;
  socket?: { remotePort?: number | undefined };
}) => ({
  method: request.method,
  url: redactPath(request.url),
  host: request.hostname,
  remoteAddress: request.ip,
  remotePort: request.socket?.remotePort,
});

function withRedaction(logger: boolean | object | undefined): boolean | object {
  if (!logger) return false;
  const base = logger === true ? {} : (logger as { serializers?: object });
  return { ...base, serializers: { ...base.serializers, req: requestSerializer } };
}

/** Builds the cloud's HTTP application without listening (tests use it with inject or listen). */
export async function build(options: BuildOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: withRedaction(options.logger),
    bodyLimit: BODY_LIMIT,
    // Hop 0 is the peer of the socket (the proxy); what it forwards is the client.
    trustProxy: options.trustProxy ? (_address: string, hop: number) => hop === 0 : false,
    // Idle keep-alive connections do not hold a shutdown; requests in flight still finish.
    forceCloseConnections: 'idle',
    frameworkErrors: frameworkErrorHandler,
    clientErrorHandler,
    // Every line of a request carries its id as `requestId` (request-id.ts).
    genReqId: requestIdOf,
    logController: new LogController({ requestIdLogLabel: 'requestId' }),
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // Only JSON bodies: a cross-site HTML form cannot send one, and nothing else is parsed.
  app.removeContentTypeParser('text/plain');

  installRequestIds(app);
  options.metrics?.http.install(app);
  installErrorHandling(app);
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: CONTENT_SECURITY_POLICY,
    // X-Frame-Options for browsers without frame-ancestors (RFC 7034).
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    // HTTPS ends at the operator's proxy, which decides on HSTS; a node never pins it.
    strictTransportSecurity: false,
  });
  await app.register(fastifyCookie);
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Latchkey cloud API',
        version: '1',
        description:
          'Sites and intercoms: add a device with its serial number and security code, move it between accounts, delete it. Errors answer {"error": {code, message, cause, hints}}.',
      },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: 'latchkey_session' },
          bearer: { type: 'http', scheme: 'bearer' },
        },
      },
      security: [{ session: [] }, { bearer: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  installAuth(app, options.services.auth);

  const { services } = options;
  await app.register(authRoutes(services.auth, { secureCookies: options.secureCookies ?? false }));
  await app.register(
    accountRoutes(services.account, { secureCookies: options.secureCookies ?? false }),
  );
  await app.register(twoFactorRoutes(services.twoFactor));
  await app.register(sitesRoutes(services.sites));
  await app.register(
    devicesRoutes({
      sites: services.sites,
      claims: services.claims,
      releases: services.releases,
      moves: services.moves,
    }),
  );
  await app.register(
    doorRoutes({ accessLog: services.accessLog, deviceActions: services.deviceActions }),
  );
  await app.register(siteDevicesRoutes(services.siteDevices));
  await app.register(devicePageRoutes(services.deviceDirectory));
  await app.register(bulkAddRoutes(services.bulkClaims));
  await app.register(firmwareRoutes(services.firmware));
  await app.register(companyRoutes(services.company));
  await app.register(membersRoutes(services.members));
  await app.register(
    invitationsRoutes(services.invitations, services.auth, {
      secureCookies: options.secureCookies ?? false,
    }),
  );
  await app.register(
    activityRoutes({
      notifications: services.notifications,
      audit: services.audit,
    }),
  );

  await app.register(
    buildingsRoutes({
      apartments: services.apartments,
      residents: services.residents,
      residentsImport: services.residentsImport,
    }),
  );
  await app.register(
    transfersRoutes({ transfers: services.transfers, requests: services.transferRequests }),
  );
  await app.register(eventsRoutes({ liveUpdates: services.liveUpdates }));
  await app.register(backupsRoutes(services.deviceBackups));
  await app.register(linkBackupsRoutes(services.deviceBackups));
  await app.register(rolloutsRoutes(services.rollouts));
  await app.register(webhooksRoutes(services.webhooks));
  await app.register(linkFirmwareRoutes(services.firmwareDownloads));
  await app.register(remoteRoutes(services.remoteSessions));
  // Issue 19: /remote/<token>/… is the device's, relayed; not in the OpenAPI document.
  await app.register(remoteRelayRoutes(services.remoteRelay));
  // The web portal at / (web/portal/dist), after the API so that its routes stay the API's.
  await installPortal(app);

  if (options.metrics && options.metricsToken) {
    await app.register(metricsRoutes({ metrics: options.metrics, token: options.metricsToken }));
  }
  app.get('/openapi.json', { config: { public: true }, schema: { hide: true } }, async () =>
    app.swagger(),
  );
  app.get('/healthz', { config: { public: true }, schema: { hide: true } }, async () => ({
    status: 'ok',
  }));
  // Readiness, not liveness: a load balancer sends no traffic to a node whose database or
  // broker is unreachable (503 names which), but does not restart it for that.
  app.get(
    '/readyz',
    { config: { public: true }, schema: { hide: true } },
    async (_request, reply) => {
      const checks = (await options.readiness?.()) ?? {};
      const body = Object.fromEntries(
        Object.entries(checks).map(([name, ok]) => [name, ok ? 'ok' : 'unreachable']),
      );
      return reply.code(Object.values(checks).every(Boolean) ? 200 : 503).send(body);
    },
  );
  return app;
}
