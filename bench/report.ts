/** The run's outputs: the JSON file (everything measured) and the text summary printed on stdout. */
import { writeFileSync } from 'node:fs';
import type { BenchResult } from './measured';
import { markdownTable } from './table';

export function writeResult(result: BenchResult, path: string): void {
  writeFileSync(path, `${JSON.stringify(result, null, 2)}\n`);
}

export function summaryText(result: BenchResult): string {
  const m = result.machine;
  return [
    `Runtime Hub benchmarks — ${result.scale} run, ${result.startedAt}, ${result.seconds} s`,
    `${m.nproc} cores (${m.cpu}), ${m.memoryMb} MB, Node ${m.node}, Postgres ${m.postgres ?? '?'}, Redis ${m.redis ?? '?'}`,
    `load average before ${m.loadAverageBefore.join(' ')}, after ${m.loadAverageAfter.join(' ')}`,
    '',
    markdownTable(result.rows),
    '',
    ...Object.entries(result.errors).map(([k, v]) => `FAILED ${k}: ${v}`),
  ].join('\n');
}
