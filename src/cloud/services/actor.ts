/** What a request was authenticated with (the account use cases look at it). */
export type Credential =
  | { kind: 'session'; sessionId: string; tokenHash: string }
  | { kind: 'token'; tokenId: string; scope: TokenScope; companyId: string | null };

/** An API token's scope: `read` allows GET and HEAD only, `manage` what the person may do. */
export type TokenScope = 'read' | 'manage';

/** Who is asking, as established by the HTTP layer from a session or a token. */
export interface Actor {
  userId: string;
  email: string;
  /** The client address, for audits and per-address rate limits. */
  ip: string;
  /** Absent for actors made outside an HTTP request. */
  credential?: Credential;
}
