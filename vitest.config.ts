import { defineConfig } from 'vitest/config';

// CI sets VITEST_JSON to collect pass/fail counts from vitest's JSON reporter.
const json = process.env.VITEST_JSON;

/** Suites that talk to a running server: they run once per storage. */
const INTEGRATION = [
  'test/admin/**/*.test.ts',
  'test/http/**/*.test.ts',
  'test/leaderboard/**/*.test.ts',
  'test/live/**/*.test.ts',
  'test/observability/**/*.test.ts',
  'test/scores/**/*.test.ts',
  'test/security/**/*.test.ts',
  'test/trpc/**/*.test.ts',
];
/** Suites that start server processes by hand (their own database each). */
const CHILD_PROCESSES = ['test/live/graceful-shutdown.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Each file releases what its failed tests left; the run fails if anything is left at its end.
    setupFiles: ['test/helpers/release-leftovers.setup.ts'],
    globalSetup: ['test/helpers/no-leftovers.global.ts'],
    reporters: json ? ['default', 'json'] : ['default'],
    ...(json ? { outputFile: { json } } : {}),
    projects: [
      {
        extends: true,
        test: {
          name: 'sqlite',
          include: ['test/**/*.test.ts'],
          exclude: ['test/e2e/**', 'test/scale-out/**', 'test/storage/postgres-*.test.ts', 'node_modules/**'],
        },
      },
      {
        // The same integration suites on PostgreSQL + Redis, plus what only scale-out has.
        extends: true,
        test: {
          name: 'postgres',
          include: [...INTEGRATION, 'test/storage/postgres-*.test.ts', 'test/scale-out/**/*.test.ts'],
          // Contract suites run every implementation already; once is enough.
          exclude: [...CHILD_PROCESSES, '**/*.contract.test.ts', 'node_modules/**'],
          env: { TEST_STORAGE: 'postgres' },
        },
      },
    ],
  },
});
