/** The server's per-request context. Only the server's procedures see it: opaque to clients. */
export type Context = object;
