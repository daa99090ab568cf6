import { refuse } from './refusal.js';
import type { PriorAction, ScoreRecord, UpdateCommand } from './score-record.js';
import type { Judge, Verdict } from './verdict.js';

/** Who may lower a score: nobody, a `service` token, or anyone (SCORE_ALLOW_DECREASE). */
export type DecreasePolicy = 'never' | 'service' | 'always';

/** The configured bounds of a score update. */
export interface ScoreRules {
  readonly max: number;
  readonly maxGain: number;
  readonly decrease: DecreasePolicy;
}

const APPLY: Verdict = { kind: 'apply' };
const REPLAY: Verdict = { kind: 'replay' };

/**
 * The user's own earlier action with this id: the same payload is a replay, another a conflict.
 * Action ids are unique per user, so the message tells the caller only about this user's ids.
 */
function replayVerdict(command: UpdateCommand, prior: PriorAction): Verdict {
  if (prior.newScore === command.newScore) return REPLAY;
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
 * Decides an update from the stored state. `canDecrease` says whether this caller may
 * lower a score under the configured policy.
 */
export function judgeUpdate(
  rules: ScoreRules,
  canDecrease: boolean,
  command: UpdateCommand,
  current: ScoreRecord | undefined,
  prior: PriorAction | undefined,
): Verdict {
  // Another user's action with the same id is no concern of this one.
  if (prior && prior.userId === command.userId) return replayVerdict(command, prior);
  if (command.newScore > rules.max) {
    return ruleRefusal(`new_score must be at most ${rules.max}`);
  }
  const previous = current?.score ?? 0;
  if (command.newScore < previous && !canDecrease) {
    return ruleRefusal(
      `new_score ${command.newScore} is lower than the current score ${previous}; scores may not decrease`,
    );
  }
  if (command.newScore - previous > rules.maxGain) {
    return ruleRefusal(
      `new_score ${command.newScore} raises the score by ${command.newScore - previous}; one update may raise it by at most ${rules.maxGain}`,
    );
  }
  return APPLY;
}

/** Whether a caller may lower a score, under the configured policy. */
export function mayDecrease(policy: DecreasePolicy, isService: boolean): boolean {
  return policy === 'always' || (policy === 'service' && isService);
}

/** The judge the storage runs inside its write transaction, for a caller who may (not) decrease. */
export function createJudge(rules: ScoreRules, canDecrease: boolean): Judge {
  return (command, current, prior) => judgeUpdate(rules, canDecrease, command, current, prior);
}
