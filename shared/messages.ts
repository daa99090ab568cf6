/**
 * The literal response bodies of the original specification. They are part of the public
 * contract and must stay byte for byte as they are.
 */
export const MESSAGES = {
  success: 'Score updated successfully',
  badRequest: 'Invalid input data or missing required fields.',
  unauthorized: 'Unauthorized access. Invalid or missing authentication token',
} as const;

/** The body every successful `POST /update-score` answers with. */
export interface SuccessBody {
  status: 'success';
  message: string;
}

/** The body every refused request answers with, whatever its status code. */
export interface ErrorBody {
  status: 'error';
  message: string;
}
