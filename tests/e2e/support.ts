/**
 * Helpers of the dashboard e2e: a fresh dashboard build when needed, daemon sockets, usage events, and reading
 * the exact number behind a live figure on the page.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { io, type Socket } from 'socket.io-client';
import type { Ack, DaemonClientEvents } from '../../shared/ack';
import type { Runtime, UsageEvent } from '../../shared/schemas';

export const ROOT = join(import.meta.dirname, '../..');
export const SHOTS = join(ROOT, 'test-results');

/** Newest modification time under a folder. */
function newest(dir: string): number {
  let t = 0;
  for (const name of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, name.name);
    t = Math.max(t, name.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** `npm test` builds the dashboard first; a stale or missing build (a lone run of this file) is rebuilt. */
export function ensureBuilt(): void {
  const index = join(ROOT, 'web/dist/index.html');
  const sources = Math.max(
    newest(join(ROOT, 'web/src')),
    statSync(join(ROOT, 'web/index.html')).mtimeMs,
    // The build's own steps (inlined boot script, precompressed files) change what it writes too.
    statSync(join(ROOT, 'web/vite.config.ts')).mtimeMs,
  );
  if (existsSync(index) && statSync(index).mtimeMs >= sources) return;
  execFileSync(
    process.execPath,
    [
      join(ROOT, 'node_modules/vite/bin/vite.js'),
      'build',
      '--config',
      'web/vite.config.ts',
      '--logLevel',
      'warn',
    ],
    // vitest sets NODE_ENV=test, which Vite would build with (preact's and socket.io's debug code kept, 14%
    // larger): the tests check the build users get.
    { cwd: ROOT, stdio: 'inherit', env: { ...process.env, NODE_ENV: 'production' } },
  );
}

export type DaemonSocket = Socket<Record<string, never>, DaemonClientEvents>;

export async function daemon(url: string, token: string): Promise<DaemonSocket> {
  const s: DaemonSocket = io(`${url}/daemon`, { auth: { token }, transports: ['websocket'], forceNew: true });
  await new Promise<void>((resolve, reject) => {
    s.once('connect', () => resolve());
    s.once('connect_error', reject);
  });
  return s;
}

export function data<T>(ack: Ack<T>): T {
  if (!ack.ok) throw new Error(`${ack.error.code}: ${ack.error.message}`);
  return ack.data;
}

/** Registers one local Claude runtime of a new daemon machine, as its hello does; answers the runtime. */
export async function helloClaude(ws: DaemonSocket, deviceInfo: string, name: string): Promise<Runtime> {
  const { runtimes } = data(
    await ws.emitWithAck('hello', {
      daemon_id: randomUUID(),
      device_info: deviceInfo,
      runtimes: [{ provider: 'claude', name, runtime_mode: 'local' }],
    }),
  );
  return runtimes[0] as Runtime;
}

export const ago = (ms: number) => new Date(Date.now() - ms).toISOString();
export const DAY = 86_400_000;

export function event(
  id: string,
  ts: string,
  model: string,
  counts: [number, number, number, number],
): UsageEvent {
  const [input_tokens, output_tokens, cache_read_tokens, cache_write_tokens] = counts;
  return {
    id,
    ts,
    provider: 'claude',
    model,
    input_tokens,
    output_tokens,
    cache_read_tokens,
    cache_write_tokens,
  };
}

/** The number a live <Num> shows, from its data-value (the exact value behind the compact text). */
export async function numAt(page: Page, selector: string): Promise<number> {
  return Number(await page.locator(selector).first().getAttribute('data-value'));
}
