/** Longest Authorization header we read; longer ones are refused without parsing. */
export const AUTHORIZATION_MAX_LENGTH = 4096;

const BEARER = /^bearer +(\S+) *$/i;
const JWT_SHAPE = /^[A-Za-z0-9\-_=]+\.[A-Za-z0-9\-_=]+\.[A-Za-z0-9\-_=]*$/;

/** The credential of an `Authorization: Bearer <credential>` header (scheme in any case), or undefined. */
export function bearerCredential(header: string | undefined): string | undefined {
  if (!header || header.length > AUTHORIZATION_MAX_LENGTH) return undefined;
  return BEARER.exec(header)?.[1];
}

/** The token of an `Authorization: Bearer <JWT>` header, when it is shaped like a JWT. */
export function bearerToken(header: string | undefined): string | undefined {
  const credential = bearerCredential(header);
  return credential !== undefined && JWT_SHAPE.test(credential) ? credential : undefined;
}
