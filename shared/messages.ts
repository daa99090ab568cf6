/**
 * The literal response bodies of the original specification. They are part of the public
 * contract and must stay byte for byte as they are.
 */
export const MESSAGES = {
  success: 'Score updated successfully',
  badRequest: 'Invalid input data or missing required fields.',
  unauthorized: 'Unauthorized access. Invalid or missing authentication token',
} as const;
