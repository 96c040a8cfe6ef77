/**
 * The fault-tolerance suite (`npm run chaos`): each scenario starts its own Postgres, Redis and two hub processes,
 * so files run one at a time, with generous time limits for a small, shared machine.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    include: ['tests/chaos/**/*.test.ts'],
    globalSetup: ['tests/chaos/global-setup.ts'],
    fileParallelism: false,
    pool: 'forks',
    // Each scenario runs in its beforeAll (SCENARIO_TIMEOUT_MS); the tests only check its figures.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    teardownTimeout: 30_000,
  },
});
