/**
 * `runtime-hub reprice [--since YYYY-MM-DD]`: recomputes stored costs after the price database, PRICING_FILE or
 * the aliases change (restart the hubs first, so new events are priced the same way). Prints one JSON object.
 */
import { parseArgs } from 'node:util';
import { CalendarDate } from '../../shared';
import type { Config } from '../config';
import { loadPricer } from '../pricing';
import { openConfiguredDatabase, repriceUsage, scheduleAllReconciles } from '../store';
import { UsageError } from './usage-error';

const USAGE = 'usage: runtime-hub reprice [--since YYYY-MM-DD]';

export async function repriceCommand(config: Config, args: string[]): Promise<number> {
  let since: string;
  try {
    const { values, positionals } = parseArgs({ args, options: { since: { type: 'string' } }, strict: true });
    if (positionals.length > 0) throw new UsageError(USAGE);
    since = CalendarDate.parse(values.since ?? '1970-01-01');
  } catch {
    throw new UsageError(USAGE);
  }
  // The price file is read before the database is opened: a bad file changes nothing.
  const pricer = loadPricer(config.PRICING_FILE);
  const { db, close } = await openConfiguredDatabase(config, 'admin');
  try {
    const result = await repriceUsage(db, pricer, since);
    // Budget spend follows the new costs: running hubs recompute every counted period.
    await scheduleAllReconciles(db);
    process.stdout.write(`${JSON.stringify({ since, ...result })}\n`);
  } finally {
    await close();
  }
  return 0;
}
