/**
 * Issue 12 (tokens, Claude): one API response is one `message.id`, however many lines carry it — replays under a
 * new request id (`/btw`), and `progress` lines relaying a subagent's response that its own file also holds.
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseClaudeLine } from '../../../server/daemon/claude-reader';
import { UsageEvent } from '../../../shared';
import {
  claudeAgentProgress,
  claudeAssistant,
  claudeUser,
  tempDir,
  writeLines,
} from '../../fixtures/daemon/builders';
import { scanOnce, sums } from './helpers';

const S = '7d3f1a90-5c2e-4b8a-9f10-3e6d2c1b0a99';
const AGENT = 'a4f09c2e1b7d';

function setup() {
  const dir = tempDir();
  const project = join(dir, 'claude/projects/-home-dev-project');
  return {
    dir,
    claude: join(dir, 'claude'),
    main: join(project, `${S}.jsonl`),
    subagent: join(project, S, `subagents/agent-${AGENT}.jsonl`),
    state: join(dir, 'state.json'),
  };
}

const parent = (o: { requestId?: string; sidechain?: boolean; ts: string; output?: number }) =>
  claudeAssistant({
    messageId: 'msg_01Parent',
    requestId: o.requestId ?? 'req_01Parent',
    sessionId: S,
    ts: o.ts,
    sidechain: o.sidechain ?? false,
    version: '2.1.20',
    model: 'claude-opus-4-7',
    usage: { input: 6, output: o.output ?? 512, cacheRead: 48_000, cacheWrite: 2_000, cacheWrite1h: 2_000 },
  });

const sideAnswer = claudeAssistant({
  messageId: 'msg_01Side',
  requestId: 'req_01Btw',
  sessionId: S,
  ts: '2026-11-02T10:00:09.000Z',
  sidechain: true,
  version: '2.1.20',
  model: 'claude-opus-4-7',
  usage: { input: 9, output: 140, cacheRead: 50_000, cacheWrite: 300 },
});

const subagentLine = (o: { requestId?: string; output: number; ts: string }) => ({
  messageId: 'msg_01Sub',
  ...(o.requestId ? { requestId: o.requestId } : {}),
  sessionId: S,
  ts: o.ts,
  agentId: AGENT,
  version: '2.1.20',
  model: 'claude-haiku-4-5-20251001',
  usage: { input: 1_500, output: o.output, cacheRead: 12_000, cacheWrite: 800 },
});

describe('Claude responses replayed or relayed by other lines', () => {
  it('counts once a sidechain line that replays a parent’s message.id with a new requestId (the /btw side question)', async () => {
    const { claude, main, state } = setup();
    writeLines(main, [
      claudeUser(S, '2026-11-02T10:00:00.000Z'),
      parent({ ts: '2026-11-02T10:00:02.000Z', output: 12 }),
      parent({ ts: '2026-11-02T10:00:04.000Z' }),
      // `/btw`: the side question replays the parent's last response as context, under its own request id…
      parent({ ts: '2026-11-02T10:00:08.000Z', requestId: 'req_01Btw', sidechain: true }),
      // …and its answer is a response of its own.
      sideAnswer,
    ]);
    const run = await scanOnce({ claude }, state);
    const events = run.events('claude');
    expect(events.map((e) => e.id).sort()).toEqual(['msg_01Parent:req_01Parent', 'msg_01Side:req_01Btw']);
    expect(sums(events)).toEqual({
      input_tokens: 6 + 9,
      output_tokens: 512 + 140,
      cache_read_tokens: 48_000 + 50_000,
      cache_write_tokens: 2_000 + 300,
    });
    expect(run.scanner.countersFor('claude')).toMatchObject({ events: 2, duplicates: 2 });
  });

  it('keeps the first request id’s key for a replayed response after a restart and after the state file is lost', async () => {
    const { dir, claude, main, state } = setup();
    writeLines(main, [parent({ ts: '2026-11-02T10:00:04.000Z' })]);
    const first = await scanOnce({ claude }, state);
    await first.state.save();
    appendFileSync(
      main,
      `${parent({ ts: '2026-11-02T10:00:08.000Z', requestId: 'req_01Btw', sidechain: true })}\n`,
    );
    // A new process: the map from message to key comes back from the state file's queued ids.
    const second = await scanOnce({ claude }, state);
    expect(second.scanner.countersFor('claude')).toMatchObject({ events: 0, duplicates: 1 });
    expect(second.events('claude').map((e) => e.id)).toEqual(['msg_01Parent:req_01Parent']);
    const lost = await scanOnce({ claude }, join(dir, 'fresh-state.json'));
    expect(lost.events('claude').map((e) => e.id)).toEqual(['msg_01Parent:req_01Parent']);
  });

  it('reads a subagent’s usage from the agent_progress lines of the parent session', async () => {
    const { claude, main, state } = setup();
    writeLines(main, [
      claudeUser(S, '2026-11-02T10:00:00.000Z'),
      claudeAgentProgress({
        ...subagentLine({ requestId: 'req_01Sub', output: 30, ts: '2026-11-02T10:00:20.000Z' }),
        lineTs: '2026-11-02T10:00:20.400Z',
      }),
      claudeAgentProgress({
        ...subagentLine({ requestId: 'req_01Sub', output: 410, ts: '2026-11-02T10:00:21.000Z' }),
        lineTs: '2026-11-02T10:00:21.300Z',
      }),
    ]);
    const run = await scanOnce({ claude }, state);
    const events = run.events('claude');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      id: 'msg_01Sub:req_01Sub',
      model: 'claude-haiku-4-5-20251001',
      ts: '2026-11-02T10:00:21.000Z',
      input_tokens: 1_500,
      output_tokens: 410,
      cache_read_tokens: 12_000,
      cache_write_tokens: 800,
    });
  });

  it('counts a subagent response once when its progress line and its subagents/agent-*.jsonl line both carry it', async () => {
    const { dir, claude, main, subagent, state } = setup();
    // The subagent's own file: what the daemon has always read, under `msg:req`.
    writeLines(subagent, [
      claudeAssistant({
        ...subagentLine({ requestId: 'req_01Sub', output: 410, ts: '2026-11-02T10:00:21.000Z' }),
        sidechain: true,
      }),
    ]);
    writeLines(main, [
      claudeUser(S, '2026-11-02T10:00:00.000Z'),
      // Relayed with and without the request id: both are the same response.
      claudeAgentProgress(subagentLine({ output: 30, ts: '2026-11-02T10:00:20.000Z' })),
      claudeAgentProgress(
        subagentLine({ requestId: 'req_01Sub', output: 410, ts: '2026-11-02T10:00:21.000Z' }),
      ),
      parent({ ts: '2026-11-02T10:00:30.000Z' }),
    ]);
    const run = await scanOnce({ claude }, state);
    const events = run.events('claude');
    expect(events.map((e) => e.id).sort()).toEqual(['msg_01Parent:req_01Parent', 'msg_01Sub:req_01Sub']);
    expect(sums(events, (e) => e.id === 'msg_01Sub:req_01Sub')).toEqual({
      input_tokens: 1_500,
      output_tokens: 410,
      cache_read_tokens: 12_000,
      cache_write_tokens: 800,
    });
    expect(run.scanner.countersFor('claude')).toMatchObject({ events: 2, duplicates: 2 });
    // The same on a rescan from nothing: the subagent's file is read before the session that relays it.
    const again = await scanOnce({ claude }, join(dir, 'again.json'));
    expect(
      again
        .events('claude')
        .map((e) => e.id)
        .sort(),
    ).toEqual(events.map((e) => e.id).sort());
  });

  it('sends the one-hour cache write and the speed of a response on its event, so the hub prices them', () => {
    const line = claudeAssistant({
      messageId: 'msg_01Fast',
      requestId: 'req_01Fast',
      sessionId: S,
      ts: '2026-11-02T10:00:00.000Z',
      model: 'claude-opus-4-7',
      usage: { input: 3, output: 90, cacheRead: 0, cacheWrite: 5_000, cacheWrite1h: 3_500, speed: 'fast' },
    });
    const r = parseClaudeLine(Buffer.from(line));
    expect(r).toMatchObject({ kind: 'usage', messageId: 'msg_01Fast' });
    if (r.kind !== 'usage') throw new Error('expected usage');
    expect(r.event).toMatchObject({ cache_write_tokens: 5_000, cache_write_1h_tokens: 3_500, speed: 'fast' });
    expect(UsageEvent.parse(r.event)).toEqual(r.event);
  });

  it('leaves the price fields off an event whose log line has none', () => {
    const line = claudeAssistant({
      messageId: 'msg_01Plain',
      requestId: 'req_01Plain',
      sessionId: S,
      ts: '2026-11-02T10:00:00.000Z',
      model: 'claude-sonnet-4-5',
      usage: { input: 3, output: 90, cacheRead: 0, cacheWrite: 5_000 },
    });
    const r = parseClaudeLine(Buffer.from(line));
    if (r.kind !== 'usage') throw new Error('expected usage');
    expect(r.event).not.toHaveProperty('cache_write_1h_tokens');
    expect(r.event).not.toHaveProperty('speed');
  });
});
