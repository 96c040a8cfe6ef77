/**
 * The effective price table: the built-in one, with a JSON file (PRICING_FILE) laid over it.
 */
import { readFileSync } from 'node:fs';
import { defaultPrices, normaliseModel, PriceTable } from '../shared';
import { ConfigError } from './config';

export function loadPriceTable(file: string | undefined): PriceTable {
  if (!file) return defaultPrices;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(`invalid PRICING_FILE=${JSON.stringify(file)}: ${(err as Error).message}`);
  }
  const result = PriceTable.safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new ConfigError(
      `invalid PRICING_FILE=${JSON.stringify(file)}: ${issue.path.join('.')}: ${issue.message}`,
    );
  }
  const overrides = Object.fromEntries(Object.entries(result.data).map(([m, p]) => [normaliseModel(m), p]));
  return { ...defaultPrices, ...overrides };
}
