/**
 * The portal's address in mails: --public-url, else the node's own URL once it listens. Never
 * the Host header of a request: a stranger asking a reset for someone else's address with
 * `Host: evil.example` would otherwise get the victim a link that hands the token to them.
 */
export class PortalLinks {
  #base: string;

  constructor(base = 'http://localhost:8080') {
    this.#base = base.replace(/\/+$/, '');
  }

  set base(value: string) {
    this.#base = value.replace(/\/+$/, '');
  }

  get base(): string {
    return this.#base;
  }

  site = (siteId: string): string => `${this.#base}/sites/${encodeURIComponent(siteId)}`;

  /** The portal's page of a device (issue 18). */
  device = (serial: string): string => `${this.#base}/devices/${encodeURIComponent(serial)}`;

  /** The portal's page of offers and requests between companies (issue 18). */
  transfers = (): string => `${this.#base}/transfers`;

  /** The token goes in the fragment: browsers send it to no server, in no Referer. */
  passwordReset = (token: string): string => `${this.#base}/reset-password#${token}`;

  /** The portal's accept page of an invitation; the token in the fragment, as above. */
  invitation = (token: string): string => `${this.#base}/invitations#${token}`;
}

/** Why a --public-url cannot be used, or null (http(s), a host, no query or fragment). */
export function publicUrlProblem(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'it is not a URL';
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    return 'it must start with http:// or https://';
  }
  if (parsed.search || parsed.hash || parsed.username || parsed.password) {
    return 'it must have no query, fragment or user';
  }
  return null;
}
