/**
 * Hostile input for the fuzz suites: fast-check arbitraries of mutated daemon payloads (wrong types, bad numbers
 * and dates, missing and extra keys, prototype keys, deep nesting, huge arrays, long and strange strings, other
 * workspaces' ids), hostile ids, headers and query strings for REST, and the oracles that say — from the shared
 * schemas alone — what the hub must answer to each.
 */

export * from './fuzz/checks';
export * from './fuzz/oracles';
export * from './fuzz/payloads';
export * from './fuzz/values';
