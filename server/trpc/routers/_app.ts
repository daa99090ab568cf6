import { PROCEDURES } from '../../procedures/catalogue.js';
import { mutation, query, router, subscription } from '../trpc.js';

const { scores, leaderboard, admin } = PROCEDURES;

/**
 * Every procedure of the catalogue under the same name (the `satisfies` makes a missing or an
 * extra one a type error), each its definition run as a tRPC procedure of its kind. Written out
 * so that the router's type is plain inputs and outputs: the SDK's published types carry it.
 */
export const appRouter = router({
  scores: { update: mutation(scores.update) },
  leaderboard: {
    boards: query(leaderboard.boards),
    top: query(leaderboard.top),
    rank: query(leaderboard.rank),
    around: query(leaderboard.around),
    ofUsers: query(leaderboard.ofUsers),
    watchUser: subscription(leaderboard.watchUser),
    live: subscription(leaderboard.live),
  },
  admin: {
    securityEvents: query(admin.securityEvents),
    flaggedUsers: query(admin.flaggedUsers),
    clearFlag: mutation(admin.clearFlag),
    eraseUser: mutation(admin.eraseUser),
    createBoard: mutation(admin.createBoard),
    listBoards: query(admin.listBoards),
    archiveBoard: mutation(admin.archiveBoard),
    startSeason: mutation(admin.startSeason),
    removeUser: mutation(admin.removeUser),
    setScore: mutation(admin.setScore),
  },
} satisfies { [N in keyof typeof PROCEDURES]: Record<keyof (typeof PROCEDURES)[N], unknown> });

export type AppRouter = typeof appRouter;
