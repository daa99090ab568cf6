import jwt from 'jsonwebtoken';

/** The HS256 secret every test server is configured with. */
export const TEST_SECRET = 'test-secret-that-is-at-least-32-characters-long';

/** Signs an HS256 token the test server accepts, unless options say otherwise. */
export function tokenFor(
  subject: string,
  options: { roles?: string[]; secret?: string; expiresIn?: number; payload?: Record<string, unknown> } = {},
): string {
  return jwt.sign(
    { ...(options.roles ? { roles: options.roles } : {}), ...options.payload },
    options.secret ?? TEST_SECRET,
    {
      algorithm: 'HS256',
      subject,
      expiresIn: options.expiresIn ?? 3600,
    },
  );
}

/** A service-role token (a trusted game server). */
export const serviceToken = () => tokenFor('game-server', { roles: ['service'] });
