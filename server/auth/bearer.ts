/** Longest Authorization header we read; longer ones are refused without parsing. */
export const AUTHORIZATION_MAX_LENGTH = 4096;

const BEARER = /^bearer +([A-Za-z0-9\-_=]+\.[A-Za-z0-9\-_=]+\.[A-Za-z0-9\-_=]*) *$/i;

/** Extracts the token of an `Authorization: Bearer <JWT>` header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header || header.length > AUTHORIZATION_MAX_LENGTH) return undefined;
  return BEARER.exec(header)?.[1];
}
