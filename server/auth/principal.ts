/** Who is asking: the verified token's subject and roles. */
export interface Principal {
  readonly subject: string;
  readonly roles: readonly string[];
  /** When the token expires, epoch milliseconds. */
  readonly expiresAt: number;
}

/** A trusted game server: may act for any user. */
export const ROLE_SERVICE = 'service';
/** An operator: may read the audit trail and clear flags. */
export const ROLE_ADMIN = 'admin';
/** Every role a token may carry. */
export const ROLES: readonly string[] = [ROLE_SERVICE, ROLE_ADMIN];

/** True when the principal holds the role. */
export function hasRole(principal: Principal, role: string): boolean {
  return principal.roles.includes(role);
}
