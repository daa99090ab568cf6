import type { ServerResponse } from 'node:http';
import { AROUND_RADIUS_MAX, CURSOR_MAX_LENGTH, LEADERBOARD_LIMIT_MAX } from '../../shared/schemas.js';
import { refuse, type Refusal } from '../domain/refusal.js';
import type { RequestMeta } from '../domain/request-origin.js';
import type { LeaderboardService } from '../leaderboard/leaderboard.service.js';
import { decodeCursor } from '../domain/page-cursor.js';
import type { RequestGate } from '../security/request-gate.js';
import { sendJson, sendRefusal } from '../transport/respond.js';

const BAD_LIMIT = refuse('invalid_input', `limit must be an integer from 1 to ${LEADERBOARD_LIMIT_MAX}`);
const BAD_CURSOR = refuse('invalid_input', 'cursor is not one this server gave out');
const BAD_RADIUS = refuse('invalid_input', `radius must be an integer from 0 to ${AROUND_RADIUS_MAX}`);
const BAD_QUERY = (allowed: string) =>
  refuse('invalid_input', `unknown query parameter; this route takes ${allowed}`);

/** A whole number from a query string within [min, max], the fallback when absent, else NaN. */
function whole(raw: string | null, min: number, max: number, fallback: number): number {
  if (raw === null) return fallback;
  if (!/^\d{1,4}$/.test(raw)) return NaN;
  const value = Number(raw);
  return value >= min && value <= max ? value : NaN;
}

const noScore = (userId: string) => ({
  status: 'error',
  message: `No score for user ${JSON.stringify(userId)}`,
});

/**
 * The public reads of the board, each answered from memory and spending one point of the
 * client's read budget: `GET /leaderboard?limit&cursor`, `GET /leaderboard/users/{id}` and
 * `GET /leaderboard/users/{id}/around?radius`.
 */
export function leaderboardRoutes(gate: RequestGate, leaderboard: LeaderboardService) {
  const admitted = async (res: ServerResponse, meta: RequestMeta): Promise<boolean> => {
    const limited = await gate.admitRead(meta);
    if (limited) sendRefusal(res, limited);
    return !limited;
  };
  const refused = (res: ServerResponse, refusal: Refusal) => sendRefusal(res, refusal);

  return {
    /** `{"entries":[{"rank","user_id","score"}], "next_cursor"}`. */
    async page(url: URL, res: ServerResponse, meta: RequestMeta): Promise<void> {
      if (!(await admitted(res, meta))) return;
      const params = url.searchParams;
      if ([...params.keys()].some((k) => k !== 'limit' && k !== 'cursor'))
        return refused(res, BAD_QUERY('limit and cursor'));
      const limit = whole(params.get('limit'), 1, LEADERBOARD_LIMIT_MAX, leaderboard.size);
      if (Number.isNaN(limit)) return refused(res, BAD_LIMIT);
      const raw = params.get('cursor');
      const after =
        raw === null ? undefined : raw.length <= CURSOR_MAX_LENGTH ? decodeCursor(raw) : undefined;
      if (raw !== null && !after) return refused(res, BAD_CURSOR);
      const page = leaderboard.page(limit, after);
      sendJson(res, 200, { entries: page.entries, next_cursor: page.nextCursor });
    },

    /** `{"user_id","score","rank"}`, or 404 with the error shape. */
    async user(userId: string, url: URL, res: ServerResponse, meta: RequestMeta): Promise<void> {
      if (!(await admitted(res, meta))) return;
      if ([...url.searchParams.keys()].length > 0) return refused(res, BAD_QUERY('no parameters'));
      const standing = leaderboard.standing(userId);
      if (!standing) return sendJson(res, 404, noScore(userId));
      sendJson(res, 200, standing);
    },

    /** `{"entries":[...]}`: up to `radius` (0..50, default 5) above, the user, up to `radius` below. */
    async around(userId: string, url: URL, res: ServerResponse, meta: RequestMeta): Promise<void> {
      if (!(await admitted(res, meta))) return;
      if ([...url.searchParams.keys()].some((k) => k !== 'radius')) return refused(res, BAD_QUERY('radius'));
      const radius = whole(url.searchParams.get('radius'), 0, AROUND_RADIUS_MAX, 5);
      if (Number.isNaN(radius)) return refused(res, BAD_RADIUS);
      const entries = leaderboard.around(userId, radius);
      if (!entries) return sendJson(res, 404, noScore(userId));
      sendJson(res, 200, { entries });
    },
  };
}
