import type { AdminService } from '../admin/admin.service.js';
import type { Principal } from '../auth/principal.js';
import type { BoardReads } from '../leaderboard/board-reads.js';
import type { BoardRegistry } from '../boards/board-registry.js';
import type { LeaderboardService } from '../leaderboard/leaderboard.service.js';
import type { LiveBoards } from '../leaderboard/live-boards.js';
import type { UserWatch } from '../leaderboard/user-watch.js';
import type { ScoreService } from '../scores/score.service.js';
import type { RequestGate } from '../security/request-gate.js';

/** The few services procedures use, built once at start. */
export interface ProcedureDeps {
  readonly gate: RequestGate;
  readonly scores: ScoreService;
  readonly leaderboard: LeaderboardService;
  /** Every read of a board's window, current (memory) or past (database). */
  readonly reads: BoardReads;
  /** The live boards `leaderboard.live` follows, one per board and kind of window. */
  readonly live: LiveBoards;
  readonly watch: UserWatch;
  readonly admin: AdminService;
  readonly boards: BoardRegistry;
  /** Most calls in one batch (TRPC_MAX_BATCH), for the error that refuses a larger one. */
  readonly maxBatch: number;
}

/** One request (or one WebSocket connection), as its transport saw it. */
export interface RequestInfo {
  /** The raw credential: an Authorization header value, verified only when a procedure needs it. */
  readonly authorization?: string;
  /** A principal already verified by the transport (WebSocket connection params). */
  readonly principal?: Principal;
  readonly ip: string | null;
  readonly requestId: string;
}

/** A WebSocket connection's own state, shared by every call made over it. */
export interface ConnectionState {
  /** Subscriptions open on the connection now. */
  subscriptions: number;
  readonly maxSubscriptions: number;
}

/** What every procedure sees. */
export interface Context {
  readonly deps: ProcedureDeps;
  readonly request: RequestInfo;
  /** Set for calls over a WebSocket. */
  readonly connection?: ConnectionState;
}

/** Builds a context from its parts; what transports and tests use. */
export function createContextInner(
  deps: ProcedureDeps,
  request: Partial<RequestInfo> = {},
  connection?: ConnectionState,
): Context {
  return {
    deps,
    connection,
    request: {
      authorization: request.authorization,
      principal: request.principal,
      ip: request.ip ?? null,
      requestId: request.requestId ?? 'internal',
    },
  };
}
