/** The only home of SQL: the driver seam, migrations and every query the hub needs. */

export * from './bootstrap';
export * from './budget-alerts';
export * from './budget-spend';
export * from './budgets';
export * from './database';
export * from './embedded-lock';
export * from './errors';
export * from './listings';
export * from './migrate';
export * from './open';
export * from './readiness';
export * from './retention';
export * from './retention-job';
export * from './runtime-levels';
export * from './runtimes';
export * from './tasks';
export * from './usage-groups';
export * from './usage-pages';
export * from './usage-reprice';
export * from './usage-snapshot';
export * from './usage-source';
export * from './usage-source-coarse';
export * from './usage-views';
export * from './usage-writes';
export * from './workspaces';
