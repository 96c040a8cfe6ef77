/**
 * Dev-only: captures a real Codex CLI rollout for the daemon's fixtures, with nothing leaving the machine.
 * Starts a tiny fake Responses API on 127.0.0.1 that answers every request with one short streamed message and
 * known usage, points a throw-away CODEX_HOME at it, refuses every proxy connection, runs `codex exec` twice
 * (a new session, then a resume of it) and prints the rollout files it wrote.
 *
 * Needs the CLI installed outside the repo: `npm install --prefix /tmp/codex-cli @openai/codex`, then
 *   npx tsx scripts/capture-codex-log.ts /tmp/codex-cli/node_modules/.bin/codex [out-dir]
 * With `out-dir`, the rollouts are also written there (same relative paths), long strings (instructions, prompts)
 * cut to a placeholder so a fixture stays small; every key, number and short string is kept as written.
 * Never a test dependency: tests build their lines with tests/fixtures/daemon/builders.ts.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** Long strings replaced by a placeholder naming their length. */
function trimmed(value: unknown): unknown {
  if (typeof value === 'string') return value.length > 160 ? `<${value.length} chars>` : value;
  if (Array.isArray(value)) return value.map(trimmed);
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, trimmed(v)]));
  return value;
}

const codexBin = process.argv[2] ?? 'codex';
const outDir = process.argv[3];
let responses = 0;

function sse(res: import('node:http').ServerResponse, event: string, data: unknown) {
  res.write(`event: ${event}\ndata: ${JSON.stringify({ type: event, ...(data as object) })}\n\n`);
}

/** One streamed response: a short assistant message and usage that grows with each response. */
function answer(res: import('node:http').ServerResponse) {
  responses++;
  const id = `resp_fake_${responses}`;
  const item = { id: `msg_fake_${responses}`, type: 'message', role: 'assistant', status: 'completed' };
  const text = `Fake answer ${responses}.`;
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  sse(res, 'response.created', { response: { id, status: 'in_progress' } });
  sse(res, 'response.output_item.added', {
    output_index: 0,
    item: { ...item, status: 'in_progress', content: [] },
  });
  sse(res, 'response.output_text.delta', {
    output_index: 0,
    content_index: 0,
    item_id: item.id,
    delta: text,
  });
  sse(res, 'response.output_item.done', {
    output_index: 0,
    item: { ...item, content: [{ type: 'output_text', text, annotations: [] }] },
  });
  sse(res, 'response.completed', {
    response: {
      id,
      status: 'completed',
      usage: {
        input_tokens: 1000 * responses + 234,
        input_tokens_details: { cached_tokens: 512 * (responses - 1) },
        output_tokens: 40 + responses,
        output_tokens_details: { reasoning_tokens: 16 },
        total_tokens: 1000 * responses + 234 + 40 + responses,
      },
    },
  });
  res.end();
}

function startFakeApi(): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      process.stderr.write(`fake api: ${req.method} ${req.url} (${body.length} bytes)\n`);
      if (req.method === 'POST' && req.url?.endsWith('/responses')) return answer(res);
      if (req.url?.includes('/models')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ object: 'list', data: [], models: [] }));
      }
      res.writeHead(404).end();
    });
  });
  return new Promise((r) =>
    server.listen(0, '127.0.0.1', () => r({ server, port: (server.address() as { port: number }).port })),
  );
}

/** A port that refuses every connection: the proxy for anything that would leave the machine. */
function startRefusingProxy(): Promise<{ server: Server; port: number }> {
  const server = createServer((_req, res) => res.writeHead(403).end());
  server.on('connect', (_req, socket) => socket.destroy());
  return new Promise((r) =>
    server.listen(0, '127.0.0.1', () => r({ server, port: (server.address() as { port: number }).port })),
  );
}

function files(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...files(p));
    else if (p.endsWith('.jsonl')) out.push(p);
  }
  return out.sort();
}

const api = await startFakeApi();
const proxy = await startRefusingProxy();
const home = mkdtempSync(join(tmpdir(), 'codex-home-'));
const work = mkdtempSync(join(tmpdir(), 'codex-work-'));
writeFileSync(
  join(home, 'config.toml'),
  [
    'model = "gpt-5.4"',
    'model_provider = "fake"',
    'approval_policy = "never"',
    'sandbox_mode = "read-only"',
    '[model_providers.fake]',
    'name = "fake"',
    `base_url = "http://127.0.0.1:${api.port}/v1"`,
    'wire_api = "responses"',
    'env_key = "FAKE_API_KEY"',
    '[features]',
    'plugins = false',
    '',
  ].join('\n'),
);
const env = {
  ...process.env,
  CODEX_HOME: home,
  FAKE_API_KEY: 'not-a-key',
  HTTPS_PROXY: `http://127.0.0.1:${proxy.port}`,
  HTTP_PROXY: `http://127.0.0.1:${proxy.port}`,
  NO_PROXY: '127.0.0.1,localhost',
};
// Asynchronous on purpose: the fake API answers from this same process.
const run = (args: string[]) =>
  new Promise<void>((resolve) => {
    const child = spawn(codexBin, args, {
      cwd: work,
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: 90_000,
    });
    let err = '';
    child.stderr.on('data', (c) => (err += c));
    child.on('close', (code) => {
      process.stderr.write(`codex ${args.join(' ')} → ${code}\n${err.slice(-2000)}\n`);
      resolve();
    });
  });
await run(['exec', '--skip-git-repo-check', 'Say hello.']);
await run(['exec', '--skip-git-repo-check', 'resume', '--last', 'And again.']);
for (const f of files(home)) {
  const text = readFileSync(f, 'utf8');
  process.stdout.write(`==> ${f.slice(home.length + 1)}\n${text}\n`);
  if (!outDir) continue;
  const target = join(outDir, f.slice(home.length + 1));
  mkdirSync(dirname(target), { recursive: true });
  const lines = text.split('\n').filter((l) => l.length > 0);
  writeFileSync(target, `${lines.map((l) => JSON.stringify(trimmed(JSON.parse(l)))).join('\n')}\n`);
}
api.server.close();
proxy.server.close();
rmSync(home, { recursive: true, force: true });
rmSync(work, { recursive: true, force: true });
