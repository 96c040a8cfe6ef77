/**
 * Dev-only: runs the real Claude Code CLI (`claude -p`) against a fake Anthropic Messages API on 127.0.0.1 and
 * captures the OTLP/HTTP exports it sends, to check the fixtures in tests/fixtures/otlp against what it really sends.
 * Proxies point at a port that refuses everything, so nothing leaves the machine. With HUB_URL and HUB_DAEMON_TOKEN
 * set, the CLI exports to that hub instead (end to end).
 *
 *   npx tsx scripts/capture-otel-claude.ts <path to the claude binary> <out dir> [http/json|http/protobuf]
 *
 * Prints what the fake API answered (the usage the hub must end up with) and writes each export as
 * `<n>-<signal>.<json|pb>` in the out dir.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [claude, outDir, protocol = 'http/json'] = process.argv.slice(2);
if (!claude || !outDir) throw new Error('usage: capture-otel-claude.ts <claude binary> <out dir> [protocol]');
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
const answered: { model: string; usage: Record<string, number> }[] = [];
const api = await listen(async (req, res) => {
  const payload = (await body(req)).toString();
  if (req.method !== 'POST' || !req.url?.startsWith('/v1/messages') || req.url.includes('count_tokens')) {
    res.writeHead(req.url?.includes('count_tokens') ? 200 : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ input_tokens: 10 }));
    return;
  }
  requestNo += 1;
  const model = (JSON.parse(payload) as { model: string }).model;
  const usage = {
    input_tokens: 100 + requestNo,
    output_tokens: 20 + requestNo,
    cache_read_input_tokens: 1_000 * requestNo,
    cache_creation_input_tokens: 50 * requestNo,
  };
  answered.push({ model, usage });
  const id = `msg_fake${requestNo}`;
  const sse = (event: string, data: unknown) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
  res.writeHead(200, { 'content-type': 'text/event-stream', 'request-id': `req_fake${requestNo}` });
  res.end(
    sse('message_start', {
      type: 'message_start',
      message: {
        id,
        type: 'message',
        role: 'assistant',
        model,
        content: [],
        stop_reason: null,
        usage: { ...usage, output_tokens: 1 },
      },
    }) +
      sse('content_block_start', {
        type: 'content_block_start',
        index: 0,
        content_block: { type: 'text', text: '' },
      }) +
      sse('content_block_delta', {
        type: 'content_block_delta',
        index: 0,
        delta: { type: 'text_delta', text: 'Hello.' },
      }) +
      sse('content_block_stop', { type: 'content_block_stop', index: 0 }) +
      sse('message_delta', {
        type: 'message_delta',
        delta: { stop_reason: 'end_turn' },
        usage: { output_tokens: usage.output_tokens },
      }) +
      sse('message_stop', { type: 'message_stop' }),
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

const home = mkdtempSync(join(tmpdir(), 'capture-claude-'));
const child = spawn(claude, ['-p', 'Say hello.', '--model', 'claude-sonnet-4-5-20250929'], {
  env: {
    PATH: process.env.PATH,
    HOME: home,
    ANTHROPIC_BASE_URL: `http://127.0.0.1:${api.port}`,
    ANTHROPIC_API_KEY: 'sk-ant-fake',
    HTTPS_PROXY: 'http://127.0.0.1:9',
    HTTP_PROXY: 'http://127.0.0.1:9',
    NO_PROXY: '127.0.0.1,localhost',
    DISABLE_AUTOUPDATER: '1',
    CLAUDE_CODE_ENABLE_TELEMETRY: '1',
    OTEL_LOGS_EXPORTER: 'otlp',
    OTEL_METRICS_EXPORTER: 'otlp',
    OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
    OTEL_EXPORTER_OTLP_ENDPOINT: hubUrl ?? `http://127.0.0.1:${capture.port}`,
    OTEL_EXPORTER_OTLP_HEADERS: `Authorization=Bearer ${hubToken ?? 'capture-token'}`,
    OTEL_LOGS_EXPORT_INTERVAL: '500',
    OTEL_METRIC_EXPORT_INTERVAL: '500',
  },
  stdio: ['ignore', 'inherit', 'inherit'],
});
const code = await new Promise<number | null>((r) => child.on('exit', r));
await new Promise((r) => setTimeout(r, 1_500));
console.log(JSON.stringify({ exit: code, answered, exports: exportNo }, null, 2));
api.server.close();
capture.server.close();
