/**
 * `npx tsx bench/budget-overhead.ts [rounds]`: what the budget hook costs a usage commit. Three writers commit the
 * same shape of load into one database, interleaved round by round so machine noise hits all alike: no hook, the
 * hook on a workspace without budgets (a map lookup), and the hook on a workspace with three budgets (one more
 * statement per commit). Prints events per second of each and the ratios against the first.
 */
import pino from 'pino';
import { BudgetService, DEFAULT_BUDGET_OPTIONS } from '../server/budgets';
import { GroupCommitWriter, type IngestCall } from '../server/ingest/group-commit';
import { createMetrics } from '../server/observability/metrics';
import { loadPricer } from '../server/pricing';
import { createWorkspace, type Database, insertBudget, migrate, registerRuntimes } from '../server/store';
import { BudgetInput } from '../shared';
import { unheardChanges } from '../tests/helpers/ingest-changes';
import { createBenchDatabase, openPostgres } from './database';

const ROUNDS = Number(process.argv[2] ?? 12);
const CALLS = 16;
const EVENTS = 200;

async function runtimesOf(db: Database, workspaceId: string): Promise<string[]> {
  const rts = await registerRuntimes(
    db,
    workspaceId,
    {
      daemon_id: crypto.randomUUID(),
      device_info: 'bench',
      runtimes: ['claude', 'codex'].map((provider) => ({
        provider,
        name: provider,
        runtime_mode: 'local' as const,
      })),
    },
    'bench',
  );
  return rts.map((r) => r.id);
}

let seq = 0;
function calls(workspaceId: string, runtimes: string[]): IngestCall[] {
  const ts = new Date().toISOString();
  return Array.from({ length: CALLS }, (_, c) => ({
    kind: 'usage' as const,
    workspaceId,
    runtimeId: runtimes[c % runtimes.length]!,
    answered: Promise.resolve(),
    items: Array.from({ length: EVENTS }, () => ({
      id: `e${seq++}`,
      ts,
      provider: 'claude',
      model: `claude-sonnet-4-${seq % 3}`,
      input_tokens: 100,
      output_tokens: 50,
      cache_read_tokens: 1000,
      cache_write_tokens: 0,
    })),
  }));
}

async function main() {
  const bench = await createBenchDatabase();
  const db = openPostgres(bench.url, 10);
  try {
    await migrate(db);
    const plain = await createWorkspace(db, 'no budgets');
    const budgeted = await createWorkspace(db, 'budgets');
    for (const [kind, value] of [
      ['workspace'],
      ['provider', 'claude'],
      ['model', 'claude-sonnet-4-1'],
    ] as const)
      await insertBudget(
        db,
        budgeted.id,
        BudgetInput.parse({ name: kind, scope: { kind, value }, period: 'day', amount_usd: 1e9 }),
        '2000-01-01',
      );
    const logger = pino({ level: 'silent' });
    const metrics = createMetrics();
    const budgets = new BudgetService(db, unheardChanges, metrics, logger, {
      ...DEFAULT_BUDGET_OPTIONS,
      nodeId: 'bench',
      version: 'bench',
    });
    await budgets.start();
    const options = {
      maxQueuedItems: 1e7,
      maxBatchItems: 5000,
      lingerMs: 0,
      changes: unheardChanges,
      pricer: loadPricer(undefined),
    };
    const configs = [
      { name: 'no hook', ws: plain.id, writer: new GroupCommitWriter(db, options) },
      {
        name: 'hook, no budgets',
        ws: plain.id,
        writer: new GroupCommitWriter(db, { ...options, onUsageCommit: budgets.onUsageCommit }),
      },
      {
        name: 'hook, 3 budgets',
        ws: budgeted.id,
        writer: new GroupCommitWriter(db, { ...options, onUsageCommit: budgets.onUsageCommit }),
      },
    ];
    const runtimes = new Map<string, string[]>();
    for (const ws of [plain.id, budgeted.id]) runtimes.set(ws, await runtimesOf(db, ws));
    const seconds = new Map(configs.map((c) => [c.name, 0]));
    for (let round = 0; round <= ROUNDS; round++) {
      const order = round % 2 === 0 ? configs : [...configs].reverse();
      for (const c of order) {
        const batch = calls(c.ws, runtimes.get(c.ws)!);
        const started = performance.now();
        await Promise.all(batch.map((call) => c.writer.submit(call)));
        // Round 0 warms up (JIT, caches, first rows of each hour).
        if (round > 0) seconds.set(c.name, seconds.get(c.name)! + (performance.now() - started) / 1000);
      }
    }
    await budgets.stop();
    const base = ROUNDS * CALLS * EVENTS;
    const rate = (name: string) => base / seconds.get(name)!;
    for (const c of configs)
      process.stdout.write(
        `${c.name.padEnd(18)} ${Math.round(rate(c.name)).toString().padStart(8)} events/s  ratio ${(rate(c.name) / rate('no hook')).toFixed(3)}\n`,
      );
  } finally {
    await db.close();
    await bench.drop();
  }
}

await main();
