import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/** Where `npm run build:device` puts the new web interface (web/device, React + Vite). */
export const DEVICE_SPA_DIST = fileURLToPath(new URL('../../web/device/dist/', import.meta.url));

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>2N IP intercom</title></head>
<body>
<main>
<h1>The new web interface was not built</h1>
<p>Build it with <code>npm run build:device</code> and restart the device.</p>
<p>The <a href="/classic/">classic web interface</a> works without a build.</p>
</main>
</body>
</html>
`;

/**
 * The device's new web interface (a single-page application with hash routing) at `/`: its
 * index.html and assets from web/device/dist. Without a build, `/` explains how to make one and
 * links to the classic interface. /api/ (HTTP API), /admin/api/ and /classic/ stay as they are.
 */
export async function registerDeviceSpa(
  app: FastifyInstance,
  options: { root?: string } = {},
): Promise<void> {
  const root = options.root ?? DEVICE_SPA_DIST;
  if (!existsSync(`${root}/index.html`)) {
    app.get('/', (_request, reply) => reply.type('text/html; charset=utf-8').send(NOT_BUILT_PAGE));
    return;
  }
  await app.register(fastifyStatic, {
    root,
    prefix: '/',
    // Only the files of the build get routes; every other path keeps the device's 404.
    wildcard: false,
    index: ['index.html'],
    cacheControl: false,
    setHeaders: (reply, path) => {
      // The interface loads only its own files and is never framed (no clickjacking of Reset).
      reply.header(
        'Content-Security-Policy',
        "default-src 'self'; img-src 'self' data: blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
      );
      reply.header('X-Frame-Options', 'DENY');
      // Vite fingerprints the assets; index.html must be fetched again after a rebuild.
      reply.header(
        'Cache-Control',
        path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
      );
    },
  });
}
