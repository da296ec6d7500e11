import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { LatchkeyError } from '../../core/errors.ts';
import { WEBHOOK_LIMITS } from '../../core/webhook.rules.ts';

/** Resolves a host to every address it has (node:dns lookup, as the sender connects). */
export type HostResolver = (host: string) => Promise<string[]>;

export const systemResolver: HostResolver = async (host) =>
  (await lookup(host, { all: true, verbatim: true })).map((entry) => entry.address);

/** A URL's host name without the brackets of an IPv6 literal. */
export const bareHost = (hostname: string) => hostname.replace(/^\[|\]$/g, '');

/**
 * Checks a webhook URL before it is stored: absolute https:// (http:// too when insecure is
 * allowed), no user information, bounded; and, unless insecure is allowed, a host that resolves
 * only to public addresses (SSRF). The sender checks the address again when it connects
 * (webhook-sender.ts), so a name that resolves elsewhere later is refused then.
 */
export async function checkWebhookUrl(
  raw: string,
  allowInsecure: boolean,
  resolve: HostResolver,
): Promise<string> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new LatchkeyError('WEBHOOK_URL_INVALID');
  }
  const schemes = allowInsecure ? ['https:', 'http:'] : ['https:'];
  if (
    raw.length > WEBHOOK_LIMITS.urlLength ||
    !schemes.includes(url.protocol) ||
    url.username !== '' ||
    url.password !== '' ||
    url.hostname === ''
  ) {
    throw new LatchkeyError('WEBHOOK_URL_INVALID');
  }
  if (allowInsecure) return url.href;
  const host = bareHost(url.hostname);
  let addresses: string[];
  try {
    addresses = isIP(host) ? [host] : await resolve(host);
  } catch {
    throw new LatchkeyError('WEBHOOK_URL_FORBIDDEN', {
      cause: `The host ${host} does not resolve to any address.`,
    });
  }
  if (addresses.length === 0 || addresses.some(isForbiddenAddress)) {
    throw new LatchkeyError('WEBHOOK_URL_FORBIDDEN');
  }
  return url.href;
}

// Addresses a webhook may not reach without --webhooks-allow-insecure: loopback, private
// (RFC 1918, RFC 4193), link-local with the cloud metadata address 169.254.169.254 (RFC 3927),
// carrier-grade NAT (RFC 6598), "this network", multicast and reserved ranges.
const forbidden = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 3],
] as const) {
  forbidden.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 127],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  forbidden.addSubnet(net, prefix, 'ipv6');
}

/** Whether a resolved address is one a webhook may not be sent to (SSRF). */
export function isForbiddenAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return true;
  if (family === 6) {
    // An IPv4-mapped IPv6 address is the IPv4 address (RFC 4291 2.5.5.2).
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped) return forbidden.check(mapped[1]!, 'ipv4');
    return forbidden.check(address, 'ipv6');
  }
  return forbidden.check(address, 'ipv4');
}
