/** Where a request came from, as every adapter can tell. */
export interface RequestMeta {
  /** The client's address (behind trusted proxies: from X-Forwarded-For). */
  readonly ip: string | null;
  readonly requestId?: string;
}

/** Who asked, from where, for whom: what the audit trail keeps of a refused request. */
export interface RequestOrigin extends RequestMeta {
  /** The verified token subject, `unverified:<sub>` for a refused token, or null. */
  readonly subject: string | null;
  /** The user whose score the request would change, when known. */
  readonly userId: string | null;
}
