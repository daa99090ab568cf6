import { router } from '../trpc.js';
import { adminRouter } from './admin.router.js';
import { leaderboardRouter } from './leaderboard.router.js';
import { scoresRouter } from './scores.router.js';

export const appRouter = router({
  scores: scoresRouter,
  leaderboard: leaderboardRouter,
  admin: adminRouter,
});

export type AppRouter = typeof appRouter;
