import { defineConfig } from 'vitest/config';

// Browser end-to-end tests (Chromium through playwright-core): `npm run test:e2e`.
// CI sets VITEST_JSON to collect pass/fail counts from vitest's JSON reporter.
// eslint-disable-next-line no-restricted-properties
const json = process.env.VITEST_JSON;

export default defineConfig({
  test: {
    include: ['test/e2e/**/*.e2e.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: false,
    reporters: json ? ['default', 'json'] : ['default'],
    ...(json ? { outputFile: { json } } : {}),
  },
});
