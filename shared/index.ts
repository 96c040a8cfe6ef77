/** The wire contract shared by the hub, the daemon and the dashboard. */
export * from './ack';
export * from './budgets';
export * from './csv';
export * from './errors';
export * from './lru-cache';
export * from './pricing';
export * from './schemas';
export * from './snapshot';
export * from './time';
export * from './tokens';
