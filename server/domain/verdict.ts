import type { Refusal } from './refusal.js';
import type { PriorAction, ScoreRecord, UpdateCommand } from './score-record.js';

/** What the score rules decide, given the stored state inside the write transaction. */
export type Verdict =
  | { readonly kind: 'apply' }
  | { readonly kind: 'replay' }
  | { readonly kind: 'refuse'; readonly refusal: Refusal };

/**
 * The score rules as the storage runs them: inside the write transaction, on the state they
 * judge. The service builds it; a storage implementation only calls it.
 */
export type Judge = (
  command: UpdateCommand,
  current: ScoreRecord | undefined,
  prior: PriorAction | undefined,
) => Verdict;
