/** Who is asking, as established by the HTTP layer from a session or a token. */
export interface Actor {
  userId: string;
  email: string;
  /** The client address, for audits and per-address rate limits. */
  ip: string;
}
