/**
 * `npm test`'s suite in three projects:
 * - unit: pure functions and in-memory fakes, whose files share one process and module graph per worker
 *   (`isolate: false`): a fork and a fresh import of zod, shared/ and the web modules per file cost more than most
 *   of these files' own tests (the 63 files: 88 s one fork each, 29 s shared; BENCHMARKS.md, session 12).
 * - hub: everything that starts hubs, databases or child processes, one fork per file as before, and the unit
 *   files that need a fresh import (see freshModules). Two of these files run at once, beside the unit files: much
 *   of their time is waiting on Postgres, sockets and timers, and each file owns what it touches (a fresh
 *   database, port 0, a unique Redis prefix, its own temp dir).
 * - alone: the files that need the machine to themselves, one at a time after the others (maxWorkers 1 makes
 *   vitest run the project on its own): the Chromium files, whose one-second `expect.poll`s and timed paints
 *   missed beside another file on two cores, and the bench smoke test (hub processes and load generators), whose
 *   setup passed its 120 s beside another file (65 s alone).
 */
import { defineConfig } from 'vitest/config';

/** Unit files that assert on a module's own state (a cache's size since import), so need a fresh import. */
const freshModules = ['tests/unit/server/hostile-tz-spellings.test.ts'];
const alone = ['tests/e2e/**/*.test.ts', 'tests/integration/bench-smoke.test.ts'];
/** The same limits as one file at a time had: none was raised to let files run together. */
const limits = { testTimeout: 30_000, hookTimeout: 60_000 };

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['tests/unit/**/*.test.ts'],
          exclude: freshModules,
          pool: 'forks',
          isolate: false,
          maxWorkers: 2,
          ...limits,
        },
      },
      {
        test: {
          name: 'hub',
          include: ['tests/{integration,regression}/**/*.test.ts', ...freshModules],
          exclude: alone,
          // Three integration files read web/dist and rebuild it when stale: once here, before any of them.
          globalSetup: ['tests/e2e/global-setup.ts'],
          pool: 'forks',
          maxWorkers: 2,
          ...limits,
        },
      },
      {
        test: {
          name: 'alone',
          include: alone,
          globalSetup: ['tests/e2e/global-setup.ts'],
          pool: 'forks',
          maxWorkers: 1,
          ...limits,
        },
      },
    ],
  },
});
