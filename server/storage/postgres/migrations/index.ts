import type { Migration } from 'kysely';
import * as initialSchema from './2026_11_28_0001_initial_schema.js';
import * as dropRankIndex from './2026_11_28_0002_drop_rank_index.js';
import * as commitBatchFunction from './2026_11_29_0003_commit_batch_function.js';
import * as actionIdsPerUser from './2026_11_30_0004_action_ids_per_user.js';
import * as boards from './2026_12_03_0005_boards.js';
import * as boardScores from './2026_12_03_0006_board_scores.js';
import * as scoresView from './2026_12_03_0007_scores_view.js';
import * as adminChanges from './2026_12_04_0007_admin_changes.js';
import * as rankMarks from './2026_12_04_0008_rank_marks.js';

/**
 * Every PostgreSQL migration, by name, in order (a schema of its own, written for PostgreSQL:
 * bigint scores, identity columns, a plpgsql append-only trigger). Add each new one here.
 */
export const migrations: Record<string, Migration> = {
  '2026_11_28_0001_initial_schema': initialSchema,
  '2026_11_28_0002_drop_rank_index': dropRankIndex,
  '2026_11_29_0003_commit_batch_function': commitBatchFunction,
  '2026_11_30_0004_action_ids_per_user': actionIdsPerUser,
  '2026_12_03_0005_boards': boards,
  '2026_12_03_0006_board_scores': boardScores,
  '2026_12_03_0007_scores_view': scoresView,
  '2026_12_04_0007_admin_changes': adminChanges,
  '2026_12_04_0008_rank_marks': rankMarks,
};
