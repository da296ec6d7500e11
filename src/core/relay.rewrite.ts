import type { HeaderLines } from './relay.protocol.ts';

/**
 * Issue 19: what the remote-configuration relay changes in requests and answers, as a reverse
 * proxy does, so the device's pages work under `/remote/<token>/` on the cloud.
 */

// RFC 9110 §7.6.1: hop-by-hop headers end at each hop; and the length is the device's own.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length',
]);

/** The cloud's own cookies (session, CSRF): never to a device, and never set by one. */
export const isCloudCookie = (name: string): boolean => name.startsWith('latchkey_');

function hopByHop(headers: HeaderLines): Set<string> {
  const named = headers
    .filter(([name]) => name === 'connection')
    .flatMap(([, value]) => value.split(',').map((token) => token.trim().toLowerCase()));
  return new Set([...HOP_BY_HOP, ...named]);
}

/**
 * The browser's headers as the device gets them: no hop-by-hop headers, no cloud cookies, no
 * forwarding headers a client wrote itself; the device's own Authorization and cookies pass.
 */
export function requestHeadersForDevice(headers: HeaderLines): HeaderLines {
  const dropped = hopByHop(headers);
  const lines: HeaderLines = [];
  for (const [name, value] of headers) {
    if (dropped.has(name) || name.startsWith('x-forwarded-') || name === 'forwarded') continue;
    if (name.startsWith('sec-fetch-') || name === 'referer') continue;
    if (name === 'cookie') {
      const kept = value
        .split(';')
        .map((pair) => pair.trim())
        .filter((pair) => pair !== '' && !isCloudCookie(pair.split('=')[0]!.trim()));
      if (kept.length > 0) lines.push(['cookie', kept.join('; ')]);
      continue;
    }
    lines.push([name, value]);
  }
  return lines;
}

/** A path on the device as a path under the session's prefix (`/remote/<token>`). */
const prefixed = (prefix: string, path: string): string =>
  path.startsWith('/') && !path.startsWith('//') ? `${prefix}${path}` : path;

/** `Set-Cookie` with its Path under the prefix and no Domain; null for a cloud cookie's name. */
export function rewriteSetCookie(value: string, prefix: string): string | null {
  const [pair, ...attributes] = value.split(';');
  const name = pair!.split('=')[0]!.trim();
  if (isCloudCookie(name)) return null;
  let hasPath = false;
  const kept = attributes.flatMap((attribute) => {
    const [key, ...rest] = attribute.trim().split('=');
    const lower = key!.toLowerCase();
    if (lower === 'domain') return [];
    if (lower === 'path') {
      hasPath = true;
      return [`Path=${prefixed(prefix, rest.join('=') || '/')}`];
    }
    return [attribute.trim()];
  });
  // RFC 6265 §5.1.4: without a Path the cookie's is the request's directory, under the prefix.
  if (!hasPath) kept.push(`Path=${prefix}/`);
  return [pair!.trim(), ...kept].join('; ');
}

/** The device's answer headers as the browser gets them, with Location and cookies prefixed. */
export function answerHeadersForBrowser(headers: HeaderLines, prefix: string): HeaderLines {
  const dropped = hopByHop(headers);
  dropped.delete('content-length');
  const lines: HeaderLines = [];
  for (const [name, value] of headers) {
    if (dropped.has(name)) continue;
    if (name === 'location') lines.push([name, prefixed(prefix, value)]);
    else if (name === 'set-cookie') {
      const cookie = rewriteSetCookie(value, prefix);
      if (cookie !== null) lines.push([name, cookie]);
    } else lines.push([name, value]);
  }
  return lines;
}

/** Absolute `href="/…"`, `action="/…"`, `src="/…"` of a page, under the prefix. */
export function rewriteHtml(html: string, prefix: string): string {
  return html.replace(
    /\b(href|action|src)=(["'])\/(?!\/)/gi,
    (_match, attribute: string, quote: string) => `${attribute}=${quote}${prefix}/`,
  );
}

export const isHtml = (headers: HeaderLines): boolean =>
  headers.some(([name, value]) => name === 'content-type' && /^text\/html\b/i.test(value));
