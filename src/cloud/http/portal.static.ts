import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { existsSync, statSync } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where `npm run build` (run by `npm ci`) puts the built portal. */
export const portalDist = fileURLToPath(new URL('../../../web/portal/dist/', import.meta.url));

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Latchkey — portal not built</title></head>
<body><main><h1>The portal has not been built</h1>
<p>The cloud and its API are running, but the web portal's files are missing
(<code>web/portal/dist</code>).</p>
<p>Build it with <code>npm run build</code> (<code>npm ci</code> does this too), then reload this page.
The API document is at <a href="/openapi.json">/openapi.json</a>.</p></main></body></html>`;

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * Serves the portal at `/`: its files, and `index.html` for any other page a browser asks for
 * (the portal routes in the browser). `/api/*` and other non-HTML requests for unknown paths keep
 * the API's 404 error body; `/openapi.json`, `/healthz` and `/mqtt` are routes of their own.
 */
export async function installPortal(
  app: FastifyInstance,
  options: { root?: string } = {},
): Promise<void> {
  const root = options.root ?? portalDist;
  await app.register(fastifyStatic, { root, serve: false, suppressWarning: true });
  if (!existsSync(join(root, 'index.html'))) {
    app.log.warn(
      `The web portal is not built (${root} has no index.html): run "npm run build". The API works without it.`,
    );
  }

  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    const path = request.url.split('?')[0] ?? '/';
    if (path === '/api' || path.startsWith('/api/')) return reply.callNotFound();
    let relative: string;
    try {
      relative = normalize(decodeURIComponent(path)).replace(/^[/\\]+/, '');
    } catch {
      return reply.callNotFound();
    }
    if (relative.startsWith('..') || relative.includes(`${sep}..`)) return reply.callNotFound();
    if (relative && extname(relative) && isFile(join(root, relative))) {
      const immutable = relative.startsWith(`assets${sep}`);
      return reply.sendFile(relative, {
        cacheControl: true,
        immutable,
        maxAge: immutable ? 31_536_000_000 : 0,
      });
    }
    if (!(request.headers.accept ?? '').includes('text/html')) return reply.callNotFound();
    if (!existsSync(join(root, 'index.html'))) {
      return reply.status(503).type('text/html; charset=utf-8').send(NOT_BUILT);
    }
    void reply.header('Cache-Control', 'no-cache');
    return reply.sendFile('index.html', { cacheControl: false });
  };
  app.get('/', { schema: { hide: true } }, handler);
  app.get('/*', { schema: { hide: true } }, handler);
}
