/**
 * A default usage row on the wire (and in the history cache): the store's row with its stored cost and where that
 * cost came from. Built as one object literal, key by key, so every row shares one hidden class: the spread it
 * replaces (`({ agent_tokens, unpriced_tokens, ...r }) => ({ ...r, cost_source, unpriced_tokens })`) gave each row
 * a hidden class and descriptor array of its own in V8: 665 bytes a row kept against 272, while the history cache
 * weighed either at ~310, so its 32 MB held some 70 MB (tests/regression/history-cache-weighs-what-it-keeps.test.ts;
 * a heap snapshot of the scale bench's hub held 129k maps, 41 MB; BENCHMARKS.md, Session 7, hR).
 */
import { rowCostSource, totalOf, type UsageRow } from '../../shared';
import type { DailyUsage } from '../store';

export const usageRow = (r: DailyUsage): UsageRow => ({
  runtime_id: r.runtime_id,
  date: r.date,
  provider: r.provider,
  model: r.model,
  input_tokens: r.input_tokens,
  output_tokens: r.output_tokens,
  cache_read_tokens: r.cache_read_tokens,
  cache_write_tokens: r.cache_write_tokens,
  cost_usd: r.cost_usd,
  cost_source: rowCostSource(totalOf(r), r.agent_tokens, r.unpriced_tokens),
  unpriced_tokens: r.unpriced_tokens,
});
