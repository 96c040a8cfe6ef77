/**
 * A/B of history views through two hubs on one database kept by scale-keep.ts: a checkout of the base (e.g.
 * `git archive main | tar -x -C DIR`, with node_modules linked) and this tree, each run from source; calls
 * alternate between them, each after one new event of the busy runtime (uncached). Prints p50/p99 per hub.
 *
 *   npx tsx bench/scale-ab-hub.ts /tmp/<name>.json <base dir> <calls> '/api/runtimes/BUSY/usage?days=90&tz=…' …
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

const [file, baseDir, calls = '30', ...paths] = process.argv.slice(2);
const kept = JSON.parse(readFileSync(file!, 'utf8'));
const dirs = { base: baseDir!, branch: new URL('..', import.meta.url).pathname };
const hubs: Record<string, { url: string; kill: () => void }> = {};
let port = 4710;
for (const [name, dir] of Object.entries(dirs)) {
  const p = port++;
  const child = spawn('node', ['bin/runtime-hub.js', 'serve'], {
    cwd: dir,
    env: {
      ...process.env,
      PORT: String(p),
      HOST: '127.0.0.1',
      DATABASE_URL: kept.url,
      REDIS_URL: '',
      LOG_LEVEL: 'warn',
      RUNTIME_HUB_FROM_SOURCE: '1',
      RAW_RETENTION_DAYS: '0',
    },
    stdio: 'inherit',
  });
  hubs[name] = { url: `http://127.0.0.1:${p}`, kill: () => child.kill('SIGTERM') };
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
for (const h of Object.values(hubs)) {
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${h.url}/readyz`)).ok) break;
    } catch {}
    if (i > 120) throw new Error('hub did not start');
    await sleep(500);
  }
}
let n = 0;
async function bump(url: string) {
  const res = await fetch(`${url}/api/daemon/usage`, {
    method: 'POST',
    headers: { authorization: `Bearer ${kept.daemonToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      runtime_id: kept.busyRuntimeId,
      events: [
        {
          id: `ab-${Date.now()}-${n++}`,
          ts: new Date().toISOString(),
          provider: 'claude',
          model: 'claude-sonnet-4-5',
          input_tokens: 1,
          output_tokens: 1,
          cache_read_tokens: 0,
          cache_write_tokens: 0,
        },
      ],
    }),
  });
  if (!res.ok) throw new Error(`bump ${res.status}`);
}
const pct = (s: number[], p: number) => s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
try {
  for (const raw of paths) {
    const path = raw.replace('BUSY', kept.busyRuntimeId);
    const t: Record<string, number[]> = { base: [], branch: [] };
    const bodies: Record<string, string> = {};
    for (let i = 0; i < Number(calls); i++) {
      for (const [name, h] of Object.entries(hubs)) {
        await bump(h.url);
        const s = performance.now();
        const res = await fetch(`${h.url}${path}`, {
          headers: { authorization: `Bearer ${kept.memberToken}` },
        });
        const body = await res.text();
        t[name]!.push(performance.now() - s);
        if (!res.ok) throw new Error(`${name} ${res.status} ${body}`);
        bodies[name] = body;
      }
    }
    for (const [name, s] of Object.entries(t)) {
      s.sort((a, b) => a - b);
      console.log(
        `${path} ${name}: p50 ${pct(s, 50).toFixed(1)} p99 ${pct(s, 99).toFixed(1)} ms, ${bodies[name]!.length} B`,
      );
    }
  }
} finally {
  for (const h of Object.values(hubs)) h.kill();
}
