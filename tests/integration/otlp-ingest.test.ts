import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeExport } from '../../server/otlp/decode';
import { mapLogs } from '../../server/otlp/map';
import type { ExportLogsRequest } from '../../server/otlp/schema';
import { fixtureJson, fixtureProtobuf, postExport, runtimesOf, usageTotals } from '../fixtures/otlp/load';
import { startTestHub, type TestHub, type TestWorkspace } from '../helpers/hub';
import { rest } from '../helpers/rest';
import { daemonId } from '../helpers/sockets';

const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
const claudeLogs = fixtureJson('claude-logs', yesterday);
const codexLogs = fixtureJson('codex-logs', yesterday);

/** What Claude Code's and Codex's model APIs answered for the fixtures' requests, per provider and model. */
const EXPECTED = [
  {
    provider: 'claude',
    model: 'claude-haiku-4-5-20251001',
    input_tokens: 310,
    output_tokens: 45,
    cache_read_tokens: 0,
    cache_write_tokens: 0,
  },
  {
    provider: 'claude',
    model: 'claude-sonnet-4-5-20250929',
    input_tokens: 1220,
    output_tokens: 345,
    cache_read_tokens: 15_800,
    cache_write_tokens: 2148,
  },
  // input 5000 + 2500 minus 4096 cached; output includes reasoning, which is not added again.
  {
    provider: 'codex',
    model: 'gpt-5-codex',
    input_tokens: 3404,
    output_tokens: 820,
    cache_read_tokens: 4096,
    cache_write_tokens: 0,
  },
];

describe('OTLP ingest', () => {
  let hub: TestHub;
  let protobufWorkspace: TestWorkspace;
  const count = async (table: string) =>
    (await hub.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`))[0]!.n;

  beforeAll(async () => {
    hub = await startTestHub();
    protobufWorkspace = await hub.newWorkspace('protobuf');
  });
  afterAll(() => hub.destroy());

  it('turns Claude Code and Codex log exports into usage equal, per provider and model, to what the APIs answered', async () => {
    for (const logs of [claudeLogs, codexLogs]) {
      const res = await postExport(hub.url, 'logs', logs, { token: hub.daemonToken });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(res.json).toEqual({});
    }
    // Answered after the commit: the usage is there the moment the answer is.
    expect(await usageTotals(hub, hub.memberToken)).toEqual(EXPECTED);
  });

  it('gives the usage the model API answered for a real Claude Code 2.1.332 export, once however often it is sent', async () => {
    // Captured by scripts/capture-otel-claude.ts: `claude -p` against a fake Messages API that answered one request
    // with input 101, output 21, cache read 1000, cache creation 50.
    const ws = await hub.newWorkspace('captured');
    const captured = fixtureJson('claude-captured-logs', yesterday);
    for (const encoding of ['json', 'protobuf', 'json'] as const)
      expect((await postExport(hub.url, 'logs', captured, { token: ws.daemonToken, encoding })).status).toBe(
        200,
      );
    const metrics = fixtureJson('claude-captured-metrics', yesterday);
    expect((await postExport(hub.url, 'metrics', metrics, { token: ws.daemonToken })).status).toBe(200);
    expect(await usageTotals(hub, ws.memberToken)).toEqual([
      {
        provider: 'claude',
        model: 'claude-sonnet-4-5-20250929',
        input_tokens: 101,
        output_tokens: 21,
        cache_read_tokens: 1000,
        cache_write_tokens: 50,
      },
    ]);
    // The protobuf bytes Claude Code sent, as they came: the same usage as its JSON export.
    const fromProtobuf = mapLogs(
      decodeExport(fixtureProtobuf('claude-captured-logs'), 'protobuf', 'logs') as ExportLogsRequest,
    );
    expect(fromProtobuf.groups[0]!.events).toEqual([
      {
        id: 'otlp:claude:req_fake1',
        ts: expect.stringMatching(/^2026-11-30T/),
        provider: 'claude',
        model: 'claude-sonnet-4-5-20250929',
        input_tokens: 101,
        output_tokens: 21,
        cache_read_tokens: 1000,
        cache_write_tokens: 50,
        // The cost Claude Code reported itself travels with the event and is authoritative at the hub.
        cost_usd: 0.0011055,
        task_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        // Attribution: its session.id, and its user.id (Claude Code sent no user.email, nor a project.name).
        session_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        user: expect.stringMatching(/^[0-9a-f]{64}$/),
      },
    ]);
    const [event] = fromProtobuf.groups[0]!.events;
    expect(event!.session_id).toBe(event!.task_id);
  });

  it('gives the usage the model API answered for a real Codex 0.171.0 export, once however often it is sent', async () => {
    // Captured by scripts/capture-otel-codex.ts: `codex exec` against a fake Responses API that answered one request
    // with input 5001 (4096 of them cached) and output 701 (512 of them reasoning). Codex logs that
    // response.completed twice, once without counts: it is one event. Regressions pinned by this capture: records
    // whose eventName is the generic "event" (the name is in event.name), `"body": null` in OTLP/JSON, and the
    // count-less twin of response.completed.
    const ws = await hub.newWorkspace('captured-codex');
    const captured = fixtureJson('codex-captured-logs', yesterday);
    for (const encoding of ['json', 'protobuf', 'json'] as const)
      expect((await postExport(hub.url, 'logs', captured, { token: ws.daemonToken, encoding })).status).toBe(
        200,
      );
    for (const signal of ['metrics', 'traces'] as const) {
      const json = fixtureJson(`codex-captured-${signal}`, yesterday);
      expect((await postExport(hub.url, signal, json, { token: ws.daemonToken })).status).toBe(200);
    }
    const traces = fixtureProtobuf('codex-captured-traces');
    expect(
      (await postExport(hub.url, 'traces', traces, { token: ws.daemonToken, encoding: 'protobuf' })).status,
    ).toBe(200);
    expect(await usageTotals(hub, ws.memberToken)).toEqual([
      {
        provider: 'codex',
        model: 'gpt-5-codex',
        input_tokens: 905,
        output_tokens: 701,
        cache_read_tokens: 4096,
        cache_write_tokens: 0,
      },
    ]);
    expect((await runtimesOf(hub, ws.memberToken)).map((r) => r.name)).toEqual(['codex@vm']);
    const fromProtobuf = mapLogs(
      decodeExport(fixtureProtobuf('codex-captured-logs'), 'protobuf', 'logs') as ExportLogsRequest,
    );
    expect(fromProtobuf.groups.flatMap((g) => g.events)).toEqual([
      expect.objectContaining({
        provider: 'codex',
        input_tokens: 905,
        output_tokens: 701,
        cache_read_tokens: 4096,
      }),
    ]);
  });

  it('counts a replayed export once', async () => {
    const before = await count('usage_events');
    for (const logs of [claudeLogs, codexLogs])
      expect((await postExport(hub.url, 'logs', logs, { token: hub.daemonToken })).status).toBe(200);
    expect(await count('usage_events')).toBe(before);
    expect(await usageTotals(hub, hub.memberToken)).toEqual(EXPECTED);
  });

  it('registers one online local runtime per provider and host, and sessions as running tasks', async () => {
    const runtimes = await runtimesOf(hub, hub.memberToken);
    expect(runtimes.map((r) => [r.provider, r.name, r.runtime_mode, r.status, r.metadata.source])).toEqual([
      // Claude Code's resource has no host.name: the host is named by a hash of its user.id.
      ['claude', expect.stringMatching(/^claude@user-[0-9a-f]{12}$/), 'local', 'online', 'otlp'],
      ['codex', 'codex@ci-runner-7', 'local', 'online', 'otlp'],
    ]);
    expect(runtimes[1]!.metadata).toEqual({ source: 'otlp', host: 'ci-runner-7', version: 'codex 0.46.0' });
    const tasks = await hub.db.query<{ id: string; status: string }>(
      'SELECT t.id, t.status FROM tasks t JOIN runtimes r ON r.id = t.runtime_id WHERE r.workspace_id = $1 ORDER BY t.id',
      [hub.workspaceId],
    );
    expect(tasks).toEqual([
      { id: '0199a213-81c0-7800-8aa1-bbab2a035a53', status: 'running' },
      { id: '8c3f6d2a-1b4e-4f7a-9c2d-5e8f1a3b6c9d', status: 'running' },
    ]);
  });

  it('flags a telemetry runtime whose host and provider a daemon also reports (they would double count)', async () => {
    const ws = await hub.newWorkspace('both');
    const hello = await rest(`${hub.url}/api/daemon/hello`, {
      token: ws.daemonToken,
      body: {
        daemon_id: daemonId(),
        device_info: 'ci-runner-7 (linux 6.8; x64)',
        runtimes: [{ provider: 'codex', name: 'codex@ci-runner-7', runtime_mode: 'local' }],
      },
    });
    expect(hello.status).toBe(200);
    expect((await postExport(hub.url, 'logs', codexLogs, { token: ws.daemonToken })).status).toBe(200);
    const telemetry = (await runtimesOf(hub, ws.memberToken)).find((r) => r.metadata.source === 'otlp')!;
    expect(telemetry.metadata.double_count).toEqual({
      daemon_runtime_id: hello.body.runtimes[0].id,
      warning:
        "a daemon also reports codex usage of ci-runner-7: its usage is counted twice; stop the daemon's codex reader or this telemetry",
    });
  });

  it('gives the same usage for protobuf (gzipped or not) as for JSON, and answers in protobuf', async () => {
    const token = protobufWorkspace.daemonToken;
    const claude = await postExport(hub.url, 'logs', claudeLogs, { token, encoding: 'protobuf' });
    expect(claude.status).toBe(200);
    expect(claude.headers.get('content-type')).toBe('application/x-protobuf');
    expect(claude.bytes.length).toBe(0); // an empty ExportLogsServiceResponse
    const codex = await postExport(hub.url, 'logs', codexLogs, { token, encoding: 'protobuf', gzip: true });
    expect(codex.status).toBe(200);
    expect(await usageTotals(hub, protobufWorkspace.memberToken)).toEqual(EXPECTED);
  });

  it('decodes the committed protobuf fixtures to the same usage as their JSON twins', () => {
    for (const name of ['claude-logs', 'codex-logs'] as const) {
      const fromProtobuf = mapLogs(
        decodeExport(fixtureProtobuf(name), 'protobuf', 'logs') as ExportLogsRequest,
      );
      const fromJson = mapLogs(
        decodeExport(Buffer.from(JSON.stringify(fixtureJson(name))), 'json', 'logs') as ExportLogsRequest,
      );
      expect(fromProtobuf).toEqual(fromJson);
      expect(fromJson.rejected).toBe(0);
    }
  });

  it('accepts metrics and traces without adding them to usage', async () => {
    const before = await usageTotals(hub, hub.memberToken);
    for (const encoding of ['json', 'protobuf'] as const) {
      const metrics = await postExport(hub.url, 'metrics', fixtureJson('claude-metrics', yesterday), {
        token: hub.daemonToken,
        encoding,
      });
      const traces = await postExport(hub.url, 'traces', fixtureProtobuf('codex-traces'), {
        token: hub.daemonToken,
        encoding: 'protobuf',
      });
      expect([metrics.status, traces.status]).toEqual([200, 200]);
    }
    expect(await usageTotals(hub, hub.memberToken)).toEqual(before);
  });

  it('answers partialSuccess for usage records of the wrong type and writes the others', async () => {
    const ws = await hub.newWorkspace('partial');
    const logs = structuredClone(claudeLogs) as ExportLogsRequest;
    const records = logs.resourceLogs![0]!.scopeLogs![0]!.logRecords!;
    const haiku = records[2]!.attributes!.find((a) => a.key === 'input_tokens')!;
    haiku.value = { stringValue: 'lots' };
    const res = await postExport(hub.url, 'logs', logs, { token: ws.daemonToken });
    expect(res).toMatchObject({
      status: 200,
      json: {
        partialSuccess: { rejectedLogRecords: '1', errorMessage: 'input_tokens is not a token count: lots' },
      },
    });
    expect((await usageTotals(hub, ws.memberToken)).map((r) => r.model)).toEqual([
      'claude-sonnet-4-5-20250929',
    ]);
  });

  it('refuses an export without a valid daemon token with 401 and writes nothing', async () => {
    const before = await count('usage_events');
    for (const token of [undefined, hub.memberToken, 'not-a-token']) {
      const res = await postExport(hub.url, 'logs', claudeLogs, { token });
      expect(res).toMatchObject({
        status: 401,
        json: { code: 16, message: 'a valid daemon token is required' },
      });
    }
    expect(await count('usage_events')).toBe(before);
  });

  it('refuses undecodable bodies with 400 and a google.rpc.Status', async () => {
    const cases: [Buffer | unknown, 'json' | 'protobuf'][] = [
      [Buffer.from('{"resourceLogs": ['), 'json'],
      [{ resourceLogs: 'all of them' }, 'json'],
      [{ resourceLogs: [{ scopeLogs: [{ logRecords: [{ attributes: [{ key: 1 }] }] }] }] }, 'json'],
      [Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]), 'protobuf'],
    ];
    for (const [body, encoding] of cases) {
      const res = await postExport(hub.url, 'logs', body, { token: hub.daemonToken, encoding });
      expect(res.status).toBe(400);
      if (encoding === 'json')
        expect(res.json).toMatchObject({
          code: 3,
          message: expect.stringMatching(/^(body is not|not an OTLP)/),
        });
    }
    const badType = await postExport(hub.url, 'logs', claudeLogs, {
      token: hub.daemonToken,
      contentType: 'text/plain',
    });
    expect(badType.status).toBe(415);
  });

  it('refuses more than 10,000 log records in one export with 400 and writes nothing', async () => {
    const before = await count('usage_events');
    const logs = structuredClone(claudeLogs) as ExportLogsRequest;
    const sample = logs.resourceLogs![0]!.scopeLogs![0]!.logRecords![1]!;
    logs.resourceLogs![0]!.scopeLogs![0]!.logRecords = Array.from({ length: 10_001 }, () => ({
      timeUnixNano: sample.timeUnixNano,
      body: sample.body,
    }));
    const res = await postExport(hub.url, 'logs', logs, { token: hub.daemonToken, gzip: true });
    expect(res).toMatchObject({ status: 400, json: { message: expect.stringContaining('at most 10000') } });
    expect(await count('usage_events')).toBe(before);
  });
});
