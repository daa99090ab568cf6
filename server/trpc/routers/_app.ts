import { router } from '../trpc.js';
import { leaderboardRouter } from './leaderboard.router.js';
import { scoresRouter } from './scores.router.js';

export const appRouter = router({
  scores: scoresRouter,
  leaderboard: leaderboardRouter,
});

export type AppRouter = typeof appRouter;
