/**
 * Dev-only: captures real Claude Code transcripts for the daemon's fixtures, with nothing leaving the machine.
 * Starts a tiny fake Messages API on 127.0.0.1 whose model delegates once to a subagent (so the session writes
 * `progress` lines and a `subagents/agent-*.jsonl` file), refuses every proxy connection, runs `claude -p` in a
 * throw-away CLAUDE_CONFIG_DIR and writes the transcripts, long strings cut, to `out-dir`.
 *
 * Needs the CLI installed outside the repo: `npm install --prefix /tmp/claude-cli @anthropic-ai/claude-code`, then
 *   npx tsx scripts/capture-claude-log.ts /tmp/claude-cli/node_modules/.bin/claude [out-dir]
 * Never a test dependency: tests build their lines with tests/fixtures/daemon/builders.ts.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const claudeBin = process.argv[2] ?? 'claude';
const outDir = process.argv[3];
const SUBTASK = 'SUBTASK-PROMPT: say which files exist.';
let calls = 0;

function trimmed(value: unknown): unknown {
  if (typeof value === 'string') return value.length > 160 ? `<${value.length} chars>` : value;
  if (Array.isArray(value)) return value.map(trimmed);
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, trimmed(v)]));
  return value;
}

function usage(n: number) {
  return {
    input_tokens: 10 + n,
    cache_creation_input_tokens: 2000 + 100 * n,
    cache_read_input_tokens: 5000 * n,
    output_tokens: 20 + n,
    cache_creation: { ephemeral_5m_input_tokens: 2000, ephemeral_1h_input_tokens: 100 * n },
    service_tier: 'standard',
  };
}

type Block = { type: 'text'; text: string } | { type: 'tool_use'; id: string; name: string; input: unknown };

function stream(res: ServerResponse, model: string, block: Block) {
  calls++;
  const id = `msg_fake_${String(calls).padStart(2, '0')}`;
  const u = usage(calls);
  res.writeHead(200, { 'content-type': 'text/event-stream', 'request-id': `req_fake_${calls}` });
  const send = (event: string, data: object) =>
    res.write(`event: ${event}\ndata: ${JSON.stringify({ type: event, ...data })}\n\n`);
  send('message_start', {
    message: {
      id,
      type: 'message',
      role: 'assistant',
      model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { ...u, output_tokens: 1 },
    },
  });
  if (block.type === 'text') {
    send('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
    send('content_block_delta', { index: 0, delta: { type: 'text_delta', text: block.text } });
  } else {
    send('content_block_start', { index: 0, content_block: { ...block, input: {} } });
    send('content_block_delta', {
      index: 0,
      delta: { type: 'input_json_delta', partial_json: JSON.stringify(block.input) },
    });
  }
  send('content_block_stop', { index: 0 });
  send('message_delta', {
    delta: { stop_reason: block.type === 'text' ? 'end_turn' : 'tool_use', stop_sequence: null },
    usage: { output_tokens: u.output_tokens },
  });
  send('message_stop', {});
  res.end();
}

/** The fake model: delegates the main prompt to a subagent, answers the subagent, then finishes. */
function reply(
  res: ServerResponse,
  body: { model?: string; stream?: boolean; messages?: unknown[]; tools?: { name: string }[] },
) {
  const model = body.model ?? 'claude-sonnet-4-5-20250929';
  if (!body.stream) {
    res.writeHead(200, { 'content-type': 'application/json', 'request-id': 'req_fake_side' });
    return res.end(
      JSON.stringify({
        id: 'msg_fake_side',
        type: 'message',
        role: 'assistant',
        model,
        content: [{ type: 'text', text: 'Side.' }],
        stop_reason: 'end_turn',
        usage: usage(0),
      }),
    );
  }
  const all = JSON.stringify(body.messages ?? []);
  const last = JSON.stringify((body.messages ?? []).at(-1) ?? {});
  const agentTool = body.tools?.find((t) => t.name === 'Task' || t.name === 'Agent')?.name;
  if (last.includes('"tool_result"')) return stream(res, model, { type: 'text', text: 'All done.' });
  if (all.includes('SUBTASK-PROMPT')) return stream(res, model, { type: 'text', text: 'Only README.md.' });
  if (all.includes('DELEGATE') && agentTool)
    return stream(res, model, {
      type: 'tool_use',
      id: `toolu_fake_${calls + 1}`,
      name: agentTool,
      input: { description: 'List files', prompt: SUBTASK, subagent_type: 'general-purpose' },
    });
  return stream(res, model, { type: 'text', text: 'Hello.' });
}

function listen(server: Server): Promise<number> {
  return new Promise((r) =>
    server.listen(0, '127.0.0.1', () => r((server.address() as { port: number }).port)),
  );
}

const api = createServer((req, res) => {
  let raw = '';
  req.on('data', (c) => (raw += c));
  req.on('end', () => {
    process.stderr.write(`fake api: ${req.method} ${req.url} (${raw.length} bytes)\n`);
    if (req.url?.includes('count_tokens')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ input_tokens: 100 }));
    }
    if (req.method === 'POST' && req.url?.startsWith('/v1/messages'))
      return reply(res, JSON.parse(raw || '{}'));
    res.writeHead(404, { 'content-type': 'application/json' }).end('{}');
  });
});
const proxy = createServer((_req, res) => res.writeHead(403).end());
proxy.on('connect', (_req, socket) => socket.destroy());
const apiPort = await listen(api);
const proxyPort = await listen(proxy);
const config = mkdtempSync(join(tmpdir(), 'claude-config-'));
const work = mkdtempSync(join(tmpdir(), 'claude-work-'));
writeFileSync(join(work, 'README.md'), 'fixture\n');
const env = {
  ...process.env,
  CLAUDE_CONFIG_DIR: config,
  ANTHROPIC_BASE_URL: `http://127.0.0.1:${apiPort}`,
  ANTHROPIC_API_KEY: 'not-a-key',
  DISABLE_TELEMETRY: '1',
  DISABLE_AUTOUPDATER: '1',
  CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
  HTTPS_PROXY: `http://127.0.0.1:${proxyPort}`,
  HTTP_PROXY: `http://127.0.0.1:${proxyPort}`,
  NO_PROXY: '127.0.0.1,localhost',
};
await new Promise<void>((resolve) => {
  const args = ['-p', 'DELEGATE: use a subagent to list the files.', '--allowedTools', 'Task,Agent'];
  const child = spawn(claudeBin, args, {
    cwd: work,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 120_000,
  });
  let out = '';
  child.stdout.on('data', (c) => (out += c));
  child.stderr.on('data', (c) => (out += c));
  child.on('close', (code) => {
    process.stderr.write(`claude → ${code}\n${out.slice(-2000)}\n`);
    resolve();
  });
});
function files(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...files(p));
    else if (p.endsWith('.jsonl') && p.includes('/projects/')) out.push(p);
  }
  return out.sort();
}
for (const f of files(config)) {
  const text = readFileSync(f, 'utf8');
  process.stdout.write(`==> ${f.slice(config.length + 1)}\n${text}\n`);
  if (!outDir) continue;
  const target = join(outDir, f.slice(config.length + 1));
  mkdirSync(dirname(target), { recursive: true });
  const lines = text.split('\n').filter((l) => l.length > 0);
  writeFileSync(target, `${lines.map((l) => JSON.stringify(trimmed(JSON.parse(l)))).join('\n')}\n`);
}
api.close();
proxy.close();
rmSync(config, { recursive: true, force: true });
rmSync(work, { recursive: true, force: true });
