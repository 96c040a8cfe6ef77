/**
 * Builds the dashboard once, before any test file starts, when the build is missing or stale (a lone `npx vitest
 * run` after editing web/src). The files still call ensureBuilt() themselves, which then finds the build fresh:
 * files run several at a time, and two rebuilding web/dist at once would delete each other's assets.
 */
import { ensureBuilt } from './support';

export default function setup(): void {
  ensureBuilt();
}
