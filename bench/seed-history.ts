/**
 * Seeds one runtime with `days` × 24 hours × `models` of usage through the real write path (events → rollup),
 * for the REST history benchmark.
 */

import { createPricer } from '../server/pricing';
import {
  collapseByKey,
  type Database,
  lockRuntimes,
  type RuntimeUsageEvent,
  registerRuntimes,
  writeUsageEvents,
} from '../server/store';
import type { UsageEvent } from '../shared';

export const BENCH_MODELS = [
  'claude-opus-4-5',
  'claude-sonnet-4-5',
  'claude-haiku-4-5',
  'gpt-5',
  'gpt-5-codex',
  'gpt-5-mini',
  'gpt-4o',
  'gpt-4.1',
];

export async function seedHistory(db: Database, workspaceId: string, days: number, models = BENCH_MODELS) {
  const [runtime] = await registerRuntimes(
    db,
    workspaceId,
    {
      daemon_id: crypto.randomUUID(),
      device_info: 'bench',
      runtimes: [{ provider: 'claude', name: 'bench', runtime_mode: 'local' }],
    },
    'bench',
  );
  const runtimeId = runtime!.id;
  const start = Date.now() - days * 86_400_000;
  let batch: RuntimeUsageEvent[] = [];
  const flush = async () => {
    const rows = collapseByKey(batch);
    batch = [];
    await db.transaction(async (tx) => {
      await lockRuntimes(tx, [runtimeId]);
      await writeUsageEvents(tx, rows, createPricer());
    });
  };
  for (let h = 0; h < days * 24; h++) {
    const ts = new Date(start + h * 3_600_000).toISOString();
    models.forEach((model, m) => {
      const e: UsageEvent = {
        id: `bench-${h}-${m}`,
        ts,
        provider: model.startsWith('gpt') ? 'codex' : 'claude',
        model,
        input_tokens: 100 + h,
        output_tokens: 50 + m,
        cache_read_tokens: 10_000 + h * m,
        cache_write_tokens: 500,
      };
      batch.push({ ...e, runtime_id: runtimeId });
    });
    if (batch.length >= 4000) await flush();
  }
  if (batch.length > 0) await flush();
  return runtimeId;
}
