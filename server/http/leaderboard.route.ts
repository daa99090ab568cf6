import type { ServerResponse } from 'node:http';
import { leaderboardQuerySchema } from '../../shared/schemas.js';
import { refuse } from '../domain/refusal.js';
import type { RequestMeta } from '../domain/request-origin.js';
import type { LeaderboardService } from '../leaderboard/leaderboard.service.js';
import type { RequestGate } from '../security/request-gate.js';
import { sendJson, sendRefusal } from './respond.js';

const BAD_LIMIT = refuse('invalid_input', 'limit must be an integer from 1 to 100');

/** `GET /leaderboard?limit=N`: `{"entries":[{"rank","user_id","score"}]}`; spends one read. */
export function leaderboardRoute(gate: RequestGate, leaderboard: LeaderboardService) {
  return async (url: URL, res: ServerResponse, meta: RequestMeta): Promise<void> => {
    const limited = await gate.admitRead(meta);
    if (limited) return sendRefusal(res, limited);
    const raw = url.searchParams.get('limit');
    const keys = [...url.searchParams.keys()];
    const limit = raw === null ? undefined : /^\d{1,3}$/.test(raw) ? Number(raw) : NaN;
    const query = leaderboardQuerySchema.safeParse(limit === undefined ? {} : { limit });
    if (!query.success || keys.some((k) => k !== 'limit')) return sendRefusal(res, BAD_LIMIT);
    sendJson(res, 200, { entries: await leaderboard.entries(query.data.limit ?? leaderboard.size) });
  };
}
