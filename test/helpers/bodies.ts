// Written out literally (not imported from shared/) so a change to the contract fails here.

/** The spec's three literal bodies, byte for byte. */
export const SUCCESS_BODY = '{"status":"success","message":"Score updated successfully"}';
export const BAD_REQUEST_BODY =
  '{"status":"error","message":"Invalid input data or missing required fields."}';
export const UNAUTHORIZED_BODY =
  '{"status":"error","message":"Unauthorized access. Invalid or missing authentication token"}';

/** An error body with the given message. */
export const errorBody = (message: string) => JSON.stringify({ status: 'error', message });

/** The window every read of today's routes answers from: the board `global`, its whole (`all`) window. */
export const GLOBAL_ALL_WINDOW = {
  board: 'global',
  kind: 'all',
  key: 'all',
  start: null,
  end: null,
  next_reset: null,
} as const;
