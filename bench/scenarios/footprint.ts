/**
 * What the package costs on a machine: `daemon --help` time, an idle daemon's memory and CPU, a hub's idle memory
 * on the embedded database and on Postgres, and a cold start to /readyz on Postgres. Each is measured twice in
 * the same run: the compiled CLI (dist/, what users run) and the TypeScript compiled at run time by tsx
 * (RUNTIME_HUB_FROM_SOURCE=1, what bin/runtime-hub.js did before the build existed). Memory counts the whole
 * process tree (tsx keeps an esbuild child).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBenchDatabase, openPostgres, prepareWorkspace } from '../database';
import { type Child, cpuSeconds, freePort, ROOT, rssKb, sleep, spawnNode, waitHttpOk } from '../processes';

export type Variant = 'compiled' | 'tsx';
export const VARIANTS: Variant[] = ['compiled', 'tsx'];

export interface FootprintResult {
  variant: Variant;
  /** `node -e ''` on this machine now: the floor under any start-up time, and a gauge of the load. */
  bareNodeMs: number;
  daemonHelpMs: number;
  daemonIdleRssMb: number;
  /** CPU used by the idle daemon, as a share of one core. */
  daemonIdleCpu: number;
  hubEmbeddedIdleRssMb: number;
  hubPostgresIdleRssMb: number;
  coldStartPostgresMs: number;
}

/** How long a process is left alone before its idle figures are read, and the CPU window after that. */
const SETTLE_MS = 8_000;
const CPU_WINDOW_MS = 10_000;

const sourceEnv = (variant: Variant) => ({ RUNTIME_HUB_FROM_SOURCE: variant === 'tsx' ? '1' : '' });

/** Child pids of `pid` (all its threads' children), recursively. */
function descendants(pid: number): number[] {
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  const children = tasks.flatMap((tid) => {
    try {
      return readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8')
        .trim()
        .split(/\s+/)
        .filter(Boolean)
        .map(Number);
    } catch {
      return [];
    }
  });
  return children.flatMap((c) => [c, ...descendants(c)]);
}

const treeRssMb = (pid: number) =>
  [pid, ...descendants(pid)].reduce((sum, p) => sum + (rssKb(p) ?? 0), 0) / 1024;
const treeCpuSeconds = (pid: number) =>
  [pid, ...descendants(pid)].reduce((sum, p) => sum + (cpuSeconds(p) ?? 0), 0);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Median wall time of `node <args>`, five runs. */
function timeNode(variant: Variant, args: string[], runs = 5): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const result = spawnSync(process.execPath, args, {
      cwd: ROOT,
      env: { ...process.env, ...sourceEnv(variant) },
    });
    if (result.status !== 0)
      throw new Error(`node ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
    times.push(performance.now() - started);
  }
  return median(times);
}

function startServe(variant: Variant, name: string, env: Record<string, string>): Child {
  return spawnNode({
    name,
    nodeArgs: ['bin/runtime-hub.js', 'serve'],
    env: { HOST: '127.0.0.1', LOG_LEVEL: 'warn', REDIS_URL: '', ...sourceEnv(variant), ...env },
  });
}

async function hubOnEmbedded(variant: Variant): Promise<number> {
  const dataDir = mkdtempSync(join(tmpdir(), 'rh-footprint-'));
  try {
    // The first start creates the database (initdb); the figure is a later, everyday start.
    for (const last of [false, true]) {
      const port = await freePort();
      const hub = startServe(variant, `hub-embedded:${variant}`, {
        PORT: String(port),
        DATA_DIR: dataDir,
        DATABASE_URL: '',
      });
      try {
        await waitHttpOk(`http://127.0.0.1:${port}/readyz`, hub, 120_000);
        if (last) {
          await sleep(SETTLE_MS);
          return treeRssMb(hub.pid);
        }
      } finally {
        await hub.stop(10_000);
      }
    }
    throw new Error('unreachable');
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function runFootprint(
  variant: Variant,
  databaseUrl: string,
  daemonToken: string,
): Promise<FootprintResult> {
  const bareNodeMs = timeNode(variant, ['-e', '']);
  const daemonHelpMs = timeNode(variant, ['bin/runtime-hub.js', 'daemon', '--help']);
  const port = await freePort();
  const started = performance.now();
  const hub = startServe(variant, `hub-postgres:${variant}`, {
    PORT: String(port),
    DATABASE_URL: databaseUrl,
  });
  const folder = mkdtempSync(join(tmpdir(), 'rh-footprint-daemon-'));
  try {
    await waitHttpOk(`http://127.0.0.1:${port}/readyz`, hub, 60_000);
    const coldStartPostgresMs = performance.now() - started;
    for (const dir of ['claude', 'codex']) mkdirSync(join(folder, dir));
    const daemon = spawnNode({
      name: `daemon:${variant}`,
      nodeArgs: [
        'bin/runtime-hub.js',
        'daemon',
        ...['--url', `http://127.0.0.1:${port}`, '--token', daemonToken],
        ...['--claude-dir', join(folder, 'claude'), '--codex-dir', join(folder, 'codex')],
        ...['--state', join(folder, 'state.json')],
      ],
      env: { LOG_LEVEL: 'warn', ...sourceEnv(variant) },
    });
    try {
      await sleep(SETTLE_MS);
      const hubPostgresIdleRssMb = treeRssMb(hub.pid);
      const cpuBefore = treeCpuSeconds(daemon.pid);
      await sleep(CPU_WINDOW_MS);
      const daemonIdleCpu = (treeCpuSeconds(daemon.pid) - cpuBefore) / (CPU_WINDOW_MS / 1000);
      const daemonIdleRssMb = treeRssMb(daemon.pid);
      await daemon.stop(5_000);
      await hub.stop(10_000);
      return {
        variant,
        bareNodeMs,
        daemonHelpMs,
        daemonIdleRssMb,
        daemonIdleCpu,
        hubEmbeddedIdleRssMb: await hubOnEmbedded(variant),
        hubPostgresIdleRssMb,
        coldStartPostgresMs,
      };
    } finally {
      await daemon.stop(5_000);
    }
  } finally {
    await hub.stop(10_000);
    rmSync(folder, { recursive: true, force: true });
  }
}

/** Both variants on one fresh Postgres database. */
export async function runFootprints(): Promise<FootprintResult[]> {
  const database = await createBenchDatabase();
  try {
    const db = openPostgres(database.url);
    const { daemonToken } = await prepareWorkspace(db);
    await db.close();
    const results: FootprintResult[] = [];
    for (const variant of VARIANTS) results.push(await runFootprint(variant, database.url, daemonToken));
    return results;
  } finally {
    await database.drop();
  }
}
