const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const GROUP = /^[0-9a-f]{1,4}$/i;

/** The four bytes of a dotted IPv4 address, or null when it is none. */
function ipv4Bytes(text: string): number[] | null {
  const match = IPV4.exec(text);
  if (!match) return null;
  const bytes = match.slice(1).map(Number);
  return bytes.every((b) => b <= 255) ? bytes : null;
}

/** The eight 16-bit groups of an IPv6 address (RFC 4291 §2.2), or null when it is none. */
function ipv6Groups(address: string): number[] | null {
  let text = address.replace(/%.*$/, '');
  // RFC 4291 §2.2 form 3: the last 32 bits written as IPv4 (e.g. ::ffff:192.0.2.1).
  const lastColon = text.lastIndexOf(':');
  const v4 = ipv4Bytes(text.slice(lastColon + 1));
  if (v4) {
    const [a, b, c, d] = v4 as [number, number, number, number];
    text = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const parse = (part: string) => (part === '' ? [] : part.split(':'));
  const left = parse(halves[0]!);
  const right = halves.length === 2 ? parse(halves[1]!) : [];
  const missing = 8 - left.length - right.length;
  if (![...left, ...right].every((g) => GROUP.test(g))) return null;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  return [
    ...left.map((g) => parseInt(g, 16)),
    ...Array<number>(missing).fill(0),
    ...right.map((g) => parseInt(g, 16)),
  ];
}

/**
 * The key a client address is throttled under: an IPv4 address as it is (an IPv4-mapped IPv6
 * one, RFC 4291 §2.5.5.2, as its IPv4 form), an IPv6 address as its /64 network, since one
 * subscriber usually gets a whole /64 (RFC 6177 §3) and would otherwise have 2^64 addresses
 * to spread guesses over. Anything else is kept as it is.
 */
export function throttleKeyOf(address: string): string {
  if (ipv4Bytes(address)) return address;
  const groups = ipv6Groups(address);
  if (!groups) return address;
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return [groups[6]! >> 8, groups[6]! & 0xff, groups[7]! >> 8, groups[7]! & 0xff].join('.');
  }
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(':')}::/64`;
}
