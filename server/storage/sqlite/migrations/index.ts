import type { Migration } from 'kysely';
import * as initialSchema from './2026_11_27_0001_initial_schema.js';
import * as flaggedUsers from './2026_11_27_0002_flagged_users.js';
import * as dropLedgerUserIndex from './2026_11_27_0003_drop_ledger_user_index.js';
import * as auditAggregation from './2026_11_28_0004_audit_aggregation_erasure_epoch.js';
import * as dropRankIndex from './2026_11_28_0005_drop_rank_index.js';
import * as scoresWithoutRowid from './2026_11_28_0006_scores_without_rowid.js';
import * as actionIdsPerUser from './2026_11_30_0007_action_ids_per_user.js';
import * as boardsAndWindows from './2026_12_03_0008_boards_and_windows.js';
import * as ledgerReason from './2026_12_04_0009_ledger_reason.js';
import * as rankMarks from './2026_12_04_0010_rank_marks.js';

/**
 * Every migration, by name, in order. Imported statically so the same list works under
 * tsx, vitest, a bundle and kysely-ctl. Add each new migration file here.
 */
export const migrations: Record<string, Migration> = {
  '2026_11_27_0001_initial_schema': initialSchema,
  '2026_11_27_0002_flagged_users': flaggedUsers,
  '2026_11_27_0003_drop_ledger_user_index': dropLedgerUserIndex,
  '2026_11_28_0004_audit_aggregation_erasure_epoch': auditAggregation,
  '2026_11_28_0005_drop_rank_index': dropRankIndex,
  '2026_11_28_0006_scores_without_rowid': scoresWithoutRowid,
  '2026_11_30_0007_action_ids_per_user': actionIdsPerUser,
  '2026_12_03_0008_boards_and_windows': boardsAndWindows,
  '2026_12_04_0009_ledger_reason': ledgerReason,
  '2026_12_04_0010_rank_marks': rankMarks,
};
