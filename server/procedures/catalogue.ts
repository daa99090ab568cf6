import * as admin from './admin.procedures.js';
import * as boards from './boards.procedures.js';
import type { AnyDefinition } from './definition.js';
import * as leaderboard from './leaderboard.procedures.js';
import { updateScore } from './scores.procedures.js';

/**
 * Every procedure, by namespace: the one table tRPC's router, the fast HTTP path, the REST
 * routes and the WebSocket subscriptions are built from. A new procedure is added here once.
 */
export const PROCEDURES = {
  scores: { update: updateScore },
  leaderboard: {
    boards: leaderboard.boards,
    top: leaderboard.top,
    rank: leaderboard.rank,
    around: leaderboard.around,
    ofUsers: leaderboard.ofUsers,
    watchUser: leaderboard.watchUser,
    live: leaderboard.live,
  },
  admin: {
    securityEvents: admin.securityEvents,
    flaggedUsers: admin.flaggedUsers,
    clearFlag: admin.clearFlag,
    eraseUser: admin.eraseUser,
    createBoard: boards.createBoard,
    listBoards: boards.listBoards,
    archiveBoard: boards.archiveBoard,
    startSeason: admin.startSeason,
    removeUser: admin.removeUser,
    setScore: admin.setScore,
  },
} as const;

/**
 * The procedures by their dotted path (`leaderboard.top`), for transports that look a path from
 * a request up: a Map, so a path never reaches an object's inherited keys.
 */
export const PROCEDURE_PATHS: ReadonlyMap<string, AnyDefinition> = new Map(
  Object.entries(PROCEDURES).flatMap(([namespace, procedures]) =>
    Object.entries(procedures).map(([name, definition]) => [
      `${namespace}.${name}`,
      definition as AnyDefinition,
    ]),
  ),
);
