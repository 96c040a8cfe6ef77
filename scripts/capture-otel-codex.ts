/**
 * Dev-only: runs the real Codex CLI (`codex exec`) against a fake Responses API on 127.0.0.1 and captures the
 * OTLP/HTTP exports it sends (its `[otel]` exporter), to check the fixtures in tests/fixtures/otlp against what it
 * really sends. Proxies point at a port that refuses everything, so nothing leaves the machine. With HUB_URL and
 * HUB_DAEMON_TOKEN set, the CLI exports to that hub instead (end to end).
 *
 *   npx tsx scripts/capture-otel-codex.ts <path to the codex binary> <out dir> [json|binary]
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [codex, outDir, protocol = 'json'] = process.argv.slice(2);
if (!codex || !outDir) throw new Error('usage: capture-otel-codex.ts <codex binary> <out dir> [json|binary]');
mkdirSync(outDir, { recursive: true });
/** With both set, the CLI exports to a running hub instead of the capture server (an end-to-end check). */
const { HUB_URL: hubUrl, HUB_DAEMON_TOKEN: hubToken } = process.env;

const body = (req: IncomingMessage) =>
  new Promise<Buffer>((resolve) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c)).on('end', () => resolve(Buffer.concat(parts)));
  });
const listen = async (handler: (req: IncomingMessage, res: ServerResponse) => void) => {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port };
};

let requestNo = 0;
const answered: { path: string; model?: string; usage?: unknown }[] = [];
const api = await listen(async (req, res) => {
  const payload = (await body(req)).toString();
  if (req.method !== 'POST' || !req.url?.endsWith('/responses')) {
    answered.push({ path: `${req.method} ${req.url}` });
    res.writeHead(404, { 'content-type': 'application/json' }).end('{}');
    return;
  }
  requestNo += 1;
  const model = (JSON.parse(payload) as { model?: string }).model;
  const usage = {
    input_tokens: 5_000 + requestNo,
    input_tokens_details: { cached_tokens: 4_096 },
    output_tokens: 700 + requestNo,
    output_tokens_details: { reasoning_tokens: 512 },
    total_tokens: 5_700 + 2 * requestNo,
  };
  answered.push({ path: req.url, model, usage });
  const id = `resp_fake${requestNo}`;
  const sse = (data: { type: string }) => `event: ${data.type}\ndata: ${JSON.stringify(data)}\n\n`;
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  res.end(
    sse({ type: 'response.created', response: { id } } as { type: string }) +
      sse({
        type: 'response.output_item.done',
        item: {
          type: 'message',
          role: 'assistant',
          id: `msg_fake${requestNo}`,
          content: [{ type: 'output_text', text: 'Hello.' }],
        },
      } as { type: string }) +
      sse({ type: 'response.completed', response: { id, usage } } as { type: string }),
  );
});

let exportNo = 0;
const capture = await listen(async (req, res) => {
  const bytes = await body(req);
  exportNo += 1;
  const signal = (req.url ?? '').split('/').pop();
  const ext = (req.headers['content-type'] ?? '').includes('json') ? 'json' : 'pb';
  writeFileSync(join(outDir, `${exportNo}-${signal}.${ext}`), bytes);
  writeFileSync(join(outDir, `${exportNo}-${signal}.headers.json`), JSON.stringify(req.headers, null, 2));
  res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
});

const home = mkdtempSync(join(tmpdir(), 'capture-codex-'));
const otlp = (signal: string) =>
  `{ otlp-http = { endpoint = "${hubUrl ?? `http://127.0.0.1:${capture.port}`}/v1/${signal}", protocol = "${protocol}", headers = { "Authorization" = "Bearer ${hubToken ?? 'capture-token'}" } } }`;
writeFileSync(
  join(home, 'config.toml'),
  `model = "gpt-5-codex"
model_provider = "fake"

[model_providers.fake]
name = "fake"
base_url = "http://127.0.0.1:${api.port}/v1"
env_key = "FAKE_OPENAI_KEY"
wire_api = "responses"

[otel]
exporter = ${otlp('logs')}
trace_exporter = ${otlp('traces')}
metrics_exporter = ${otlp('metrics')}
`,
);
const child = spawn(codex, ['exec', '--skip-git-repo-check', 'Say hello.'], {
  cwd: home,
  env: {
    PATH: process.env.PATH,
    HOME: home,
    CODEX_HOME: home,
    FAKE_OPENAI_KEY: 'sk-fake',
    HTTPS_PROXY: 'http://127.0.0.1:9',
    HTTP_PROXY: 'http://127.0.0.1:9',
    NO_PROXY: '127.0.0.1,localhost',
  },
  stdio: ['ignore', 'inherit', 'inherit'],
});
const code = await new Promise<number | null>((r) => child.on('exit', r));
await new Promise((r) => setTimeout(r, 1_500));
console.log(JSON.stringify({ exit: code, answered, exports: exportNo }, null, 2));
api.server.close();
capture.server.close();
