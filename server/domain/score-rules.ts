import { isBetter, type Board, type DecreasePolicy } from './board.js';
import { refuse } from './refusal.js';
import type { PriorAction, ScoreRecord, UpdateCommand } from './score-record.js';
import type { Judge, Verdict } from './verdict.js';

export type { DecreasePolicy };

/** The configured bounds of a score update on the board `global` (environment variables). */
export interface ScoreRules {
  readonly max: number;
  readonly maxGain: number;
  readonly decrease: DecreasePolicy;
}

const APPLY: Verdict = { kind: 'apply' };
const REPLAY: Verdict = { kind: 'replay' };

/**
 * The user's own earlier action with this id on this board: the same payload is a replay,
 * another a conflict. Action ids are unique per user and board, so the message tells the
 * caller only about this user's ids.
 */
function replayVerdict(command: UpdateCommand, prior: PriorAction): Verdict {
  if (prior.value === command.newScore) return REPLAY;
  return {
    kind: 'refuse',
    refusal: refuse(
      'conflict',
      `action_id ${JSON.stringify(command.actionId)} was already used with a different payload`,
    ),
  };
}

function ruleRefusal(message: string): Verdict {
  return { kind: 'refuse', refusal: refuse('score_rule', message) };
}

/**
 * Decides a submission from the stored state (`current`: the user's score on the whole board).
 * `canDecrease` says whether this caller may lower a `total` under the board's policy.
 */
export function judgeUpdate(
  board: Board,
  canDecrease: boolean,
  command: UpdateCommand,
  current: ScoreRecord | undefined,
  prior: PriorAction | undefined,
): Verdict {
  // Another user's action with the same id is no concern of this one.
  if (prior && prior.userId === command.userId) return replayVerdict(command, prior);
  const { rules } = board;
  const value = command.newScore;
  if (value > rules.max) return ruleRefusal(`new_score must be at most ${rules.max}`);
  if (value < rules.min) return ruleRefusal(`new_score must be at least ${rules.min}`);
  const previous = current?.score ?? 0;
  switch (board.operator) {
    case 'total':
      if (value < previous && !canDecrease) {
        return ruleRefusal(
          `new_score ${value} is lower than the current score ${previous}; scores may not decrease`,
        );
      }
      if (rules.maxChange !== null && value - previous > rules.maxChange) {
        return ruleRefusal(
          `new_score ${value} raises the score by ${value - previous}; one update may raise it by at most ${rules.maxChange}`,
        );
      }
      return APPLY;
    case 'increment':
      if (rules.maxChange !== null && value > rules.maxChange) {
        return ruleRefusal(
          `new_score ${value} is an increment; one update may add at most ${rules.maxChange}`,
        );
      }
      if (previous + value > rules.max) {
        return ruleRefusal(
          `new_score ${value} would raise the score to ${previous + value}; scores may be at most ${rules.max}`,
        );
      }
      return APPLY;
    case 'best':
    case 'latest':
      return APPLY;
  }
}

/** Whether a caller may lower a score, under the configured policy. */
export function mayDecrease(policy: DecreasePolicy, isService: boolean): boolean {
  return policy === 'always' || (policy === 'service' && isService);
}

/** The judge the storage runs inside its write transaction, for a caller who may (not) decrease. */
export function createJudge(board: Board, canDecrease: boolean): Judge {
  return (command, current, prior) => judgeUpdate(board, canDecrease, command, current, prior);
}

/**
 * A window's score after an accepted submission of `value`, from the window's score before
 * (undefined: the user has none in it) and the user's score on the whole board before. A
 * `total` counts the points gained within the window: on `all` that is the new total itself.
 */
export function nextWindowScore(
  board: Board,
  value: number,
  windowBefore: number | undefined,
  allBefore: number | undefined,
): number {
  switch (board.operator) {
    case 'total':
      return (windowBefore ?? 0) + (value - (allBefore ?? 0));
    case 'best':
      return windowBefore === undefined || isBetter(board.order, value, windowBefore) ? value : windowBefore;
    case 'latest':
      return value;
    case 'increment':
      return (windowBefore ?? 0) + value;
  }
}

/**
 * A window's score after an admin sets the user's score on the whole board to `score`, whatever
 * the rules. On `total` and `increment` the window gains what the whole board gains (`score`
 * minus the score before: a correction moves every window by the same amount); on `best` and
 * `latest` it becomes `score`, even where it was better.
 */
export function scoreAfterSet(
  board: Board,
  score: number,
  windowBefore: number | undefined,
  allBefore: number | undefined,
): number {
  switch (board.operator) {
    case 'total':
    case 'increment':
      return (windowBefore ?? 0) + (score - (allBefore ?? 0));
    case 'best':
    case 'latest':
      return score;
  }
}
