import type { ServerResponse } from 'node:http';
import { leaderboardQuerySchema } from '../../shared/schemas.js';
import type { AppServices } from '../app-services.js';
import { refuse } from '../scores/refusal.js';
import { sendJson, sendRefusal } from './respond.js';

const BAD_LIMIT = refuse('invalid_input', 'limit must be an integer from 1 to 100');

/** `GET /leaderboard?limit=N`: `{"entries":[{"rank","user_id","score"}]}`. */
export async function leaderboardRoute(services: AppServices, url: URL, res: ServerResponse): Promise<void> {
  const raw = url.searchParams.get('limit');
  const keys = [...url.searchParams.keys()];
  const limit = raw === null ? undefined : /^\d{1,3}$/.test(raw) ? Number(raw) : NaN;
  const query = leaderboardQuerySchema.safeParse(limit === undefined ? {} : { limit });
  if (!query.success || keys.some((k) => k !== 'limit')) return sendRefusal(res, BAD_LIMIT);
  const entries = await services.leaderboard.entries(query.data.limit ?? services.leaderboard.size);
  sendJson(res, 200, { entries });
}
