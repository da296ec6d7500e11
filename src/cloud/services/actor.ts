/** What a request was authenticated with (the account use cases look at it). */
export type Credential =
  | { kind: 'session'; sessionId: string; tokenHash: string }
  | { kind: 'token'; tokenId: string; scope: TokenScope; companyId: string | null };

/** An API token's scope: `read` allows GET and HEAD only, `manage` what the person may do. */
export type TokenScope = 'read' | 'manage';

/**
 * The one company an API token was made for, or null when the actor may act in all of the
 * person's companies (a session; a token from before issue 16).
 */
export const tokenCompanyOf = (actor: Actor): string | null =>
  actor.credential?.kind === 'token' ? actor.credential.companyId : null;

/** Whether the actor may act in `companyId` as far as its credential goes (not its role). */
export const credentialAllows = (actor: Actor, companyId: string): boolean => {
  const only = tokenCompanyOf(actor);
  return only === null || only === companyId;
};

/** Who is asking, as established by the HTTP layer from a session or a token. */
export interface Actor {
  userId: string;
  email: string;
  /** The client address, for audits and per-address rate limits. */
  ip: string;
  /** Absent for actors made outside an HTTP request. */
  credential?: Credential;
  /** The company the request asks to act in (X-Company-Id); absent: the default one. */
  companyId?: string;
}
