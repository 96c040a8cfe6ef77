/**
 * `npx tsx bench/latency-trace.ts <dir>`: where the emit → dashboard time of a traced latency run goes (see
 * bench/loop-trace.mjs for how to record one). Per run (a producer's ack trace and the dashboard processes whose
 * events fall in its time range): emit → ack, emit → dashboard (the slowest socket of each process) and their
 * difference (publish → Redis → the other node → socket → client), the share of each in the slowest 2 %, how far
 * the dashboard processes disagree about one event (the clients' own delay), and every traced process's loop
 * stalls, GC pauses and TCP writes inside the run.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

type Pairs = [number, number][];
interface LoopTrace {
  script: string;
  loop: { p50: number; p99: number; max: number };
  stalls: Pairs;
  gcs: Pairs;
  writes: Record<string, number>;
}

const dir = process.argv[2];
if (!dir) {
  process.stderr.write('usage: tsx bench/latency-trace.ts <BENCH_TRACE_DIR>\n');
  process.exit(2);
}
const files = readdirSync(dir);
const read = <T>(f: string) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as T;
const of = (prefix: string) => files.filter((f) => f.startsWith(prefix)).map((f) => read<Pairs>(f));
const loops = files
  .filter((f) => /^\d+-/.test(f))
  .map((f) => ({ pid: f.split('-')[0], ...read<LoopTrace>(f) }));

const pct = (values: number[], p: number) => {
  const v = [...values].sort((a, b) => a - b);
  return v.length === 0 ? Number.NaN : v[Math.min(v.length - 1, Math.floor((p / 100) * v.length))]!;
};
const ms = (us: number) => (us / 1000).toFixed(1);
const line = (name: string, us: number[]) =>
  `  ${name.padEnd(34)} p50 ${ms(pct(us, 50))}  p90 ${ms(pct(us, 90))}  p99 ${ms(pct(us, 99))}  max ${ms(Math.max(...us))} ms`;

const runs = of('acks-').sort((a, b) => (a[0]?.[0] ?? 0) - (b[0]?.[0] ?? 0));
const deliveries = of('deliveries-');
for (const acks of runs) {
  if (acks.length === 0) continue;
  const ackOf = new Map(acks);
  const from = Math.min(...ackOf.keys());
  const to = Math.max(...ackOf.keys());
  const mine = deliveries
    .filter((d) => d.length > 0 && d[0]![0] >= from && d[0]![0] <= to)
    .map((d) => new Map(d));
  const slowest = new Map<number, number>();
  for (const d of mine) for (const [emit, us] of d) slowest.set(emit, Math.max(slowest.get(emit) ?? 0, us));
  const rows = [...slowest].flatMap(([emit, us]) => {
    const ack = ackOf.get(emit);
    return ack === undefined ? [] : [{ emit, ack, deliver: us }];
  });
  console.log(
    `run of ${acks.length} calls over ${((to - from) / 1e6).toFixed(1)} s, ${mine.length} dashboard processes`,
  );
  console.log(
    line(
      'emit → ack',
      rows.map((r) => r.ack),
    ),
  );
  console.log(
    line(
      'emit → dashboard (slowest socket)',
      rows.map((r) => r.deliver),
    ),
  );
  console.log(
    line(
      'ack → dashboard',
      rows.map((r) => r.deliver - r.ack),
    ),
  );
  const tail = [...rows]
    .sort((a, b) => b.deliver - a.deliver)
    .slice(0, Math.max(1, Math.ceil(rows.length / 50)));
  const mean = (v: number[]) => ms(v.reduce((s, x) => s + x, 0) / v.length);
  console.log(
    `  slowest 2 %: emit → ack ${mean(tail.map((r) => r.ack))} ms + ack → dashboard ${mean(tail.map((r) => r.deliver - r.ack))} ms (means)`,
  );
  if (mine.length > 1) {
    const spread = [...slowest.keys()].flatMap((emit) => {
      const seen = mine.map((d) => d.get(emit)).filter((v) => v !== undefined);
      return seen.length === mine.length ? [Math.max(...seen) - Math.min(...seen)] : [];
    });
    console.log(line('dashboard processes disagree by', spread));
  }
  // With the warm-up off (FanoutOptions.warmupS = 0) this shows the cold start: it was the p99 before the warm-up.
  const first = (from + 2e6) / 1000;
  const early = rows.filter((r) => r.emit / 1000 < first).map((r) => r.deliver);
  if (early.length > 0 && early.length < rows.length)
    console.log(
      line('emit → dashboard, first 2 s', early) +
        `\n${line(
          'emit → dashboard, after 2 s',
          rows.filter((r) => r.emit / 1000 >= first).map((r) => r.deliver),
        )}`,
    );
  for (const p of loops) {
    const inside = ([t]: [number, number]) => t >= from / 1000 && t <= to / 1000;
    const stalls = p.stalls.filter(inside);
    const gcs = p.gcs.filter(inside);
    const sum = (v: Pairs) => v.reduce((s, [, d]) => s + d, 0).toFixed(0);
    const longest = (v: Pairs) => Math.max(0, ...v.map(([, d]) => d)).toFixed(0);
    if (stalls.length + gcs.length > 0)
      console.log(
        `  ${`${p.pid} ${p.script}`.padEnd(34)} stalls ≥ 8 ms: ${stalls.length} (${sum(stalls)} ms, longest ${longest(stalls)}); GC ≥ 2 ms: ${gcs.length} (${sum(gcs)} ms, longest ${longest(gcs)})`,
      );
  }
}
console.log('TCP writes per process over the whole trace:');
for (const p of loops) console.log(`  ${`${p.pid} ${p.script}`.padEnd(34)} ${JSON.stringify(p.writes)}`);
