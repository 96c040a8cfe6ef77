/**
 * Errors never leak internals and always speak the contract: inputs that reach Postgres or the HTTP framework in
 * odd ways (zones Intl knows, huge `days`, sums past a bigint, malformed URLs, ids that differ only in lone
 * surrogates) are answered with a contract code and status, a message without stack, path or SQL, and never 500.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Ack, errorCodes, httpStatusOf } from '../../shared';
import { unsafeMessage } from '../helpers/arbitraries';
import { startTestHub, type TestHub } from '../helpers/hub';
import { type ClientSocket, callOk, connect, daemonId, hello } from '../helpers/sockets';

const CONFIG = { REST_RATE_PER_MIN: 1_000_000, DAEMON_RATE_PER_S: 100_000, HANDSHAKE_RATE_PER_S: 10_000 };

/** A raw request (the path reaches the hub byte for byte), answered as status and text. */
function raw(port: number, path: string, init: { method?: string; token?: string; body?: string } = {}) {
  return new Promise<{ status: number; text: string }>((resolve, reject) => {
    const headers: Record<string, string> = {};
    if (init.token) headers.authorization = `Bearer ${init.token}`;
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    const req = http.request(
      { host: '127.0.0.1', port, path, method: init.method ?? 'GET', headers },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}

/** The answer is the contract's: `{ error, code }` with a known code, the status of that code, a safe message. */
function expectContractError(answer: { status: number; text: string }, inputs: string[] = []): void {
  const body = JSON.parse(answer.text) as { error?: unknown; code?: unknown };
  expect(Object.keys(body).sort(), answer.text).toEqual(['code', 'error']);
  expect(errorCodes).toContain(body.code);
  expect(body.code, answer.text).not.toBe('internal');
  expect(answer.status, answer.text).toBe(httpStatusOf[body.code as keyof typeof httpStatusOf]);
  expect(unsafeMessage(body.error, inputs), answer.text).toBeUndefined();
}

const event = (id: string, ts: string, n: number) => ({
  id,
  ts,
  provider: 'claude',
  model: 'claude-sonnet-4-5',
  input_tokens: n,
  output_tokens: 0,
  cache_read_tokens: 0,
  cache_write_tokens: 0,
});

describe('errors', () => {
  let hub: TestHub;
  let daemon: ClientSocket;
  let runtimeId: string;

  beforeAll(async () => {
    hub = await startTestHub({ config: CONFIG });
    daemon = await connect(hub.url, '/daemon', hub.daemonToken);
    runtimeId = (await hello(daemon, ['claude'], daemonId())).claude!;
    await callOk(daemon, 'usage', {
      runtime_id: runtimeId,
      events: [event('e1', new Date().toISOString(), 5)],
    });
  });
  afterAll(async () => {
    daemon?.close();
    await hub?.destroy();
  });

  it('answers every zone Intl knows with 200, or 400 when Postgres does not know it, on every history route', async () => {
    const zones = Intl.supportedValuesOf('timeZone');
    const variants = [
      ...zones,
      ...zones.filter((_, i) => i % 10 === 0).flatMap((z) => [z.toLowerCase(), z.toUpperCase()]),
      // Aliases Intl resolves that its list leaves out.
      ...[
        'UTC',
        'Etc/UTC',
        'GMT',
        'Etc/GMT+12',
        'Etc/GMT-14',
        'US/Pacific',
        'EST5EDT',
        'EST',
        'Asia/Calcutta',
        'Europe/Kyiv',
      ],
    ];
    const paths = (tz: string) =>
      [`/api/runtimes/${runtimeId}/usage`, `/api/runtimes/${runtimeId}/activity`, '/api/usage'].map(
        (p) => `${p}?days=31&tz=${encodeURIComponent(tz)}`,
      );
    const refusedByPostgres = new Set<string>();
    const queue = variants.flatMap((tz) => paths(tz).map((path) => ({ tz, path })));
    const worker = async () => {
      for (let next = queue.pop(); next; next = queue.pop()) {
        const answer = await raw(hub.port, next.path, { token: hub.memberToken });
        if (answer.status === 200) continue;
        refusedByPostgres.add(next.tz);
        expect(answer.status, `${next.path} → ${answer.text}`).toBe(400);
        expectContractError(answer, [next.tz]);
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    // Whatever the hub refused, Postgres itself does not know (a zone both know is never refused).
    for (const tz of refusedByPostgres) {
      const known = await hub.db.query('SELECT now() AT TIME ZONE $1', [tz]).then(
        () => true,
        () => false,
      );
      expect(known, tz).toBe(false);
    }
    console.log(`zones Intl knows and Postgres does not: ${[...refusedByPostgres].join(', ') || 'none'}`);
  });

  it('refuses out-of-range and malformed days with 400, never a default or a 500', async () => {
    const days = [
      '0',
      '366',
      '999',
      '1000',
      '99999999999999999999',
      '-1',
      '1e3',
      '0x10',
      ' 5',
      '5 ',
      '٣',
      '３',
      '1.0',
      '',
    ];
    for (const d of days) {
      for (const path of [
        `/api/runtimes/${runtimeId}/usage`,
        `/api/runtimes/${runtimeId}/activity`,
        '/api/usage',
      ]) {
        const answer = await raw(hub.port, `${path}?days=${encodeURIComponent(d)}`, {
          token: hub.memberToken,
        });
        expect(answer.status, `${path}?days=${d} → ${answer.text}`).toBe(400);
        expectContractError(answer, [d]);
      }
    }
    expect((await raw(hub.port, '/api/usage?days=365', { token: hub.memberToken })).status).toBe(200);
  });

  it('answers a NUL, a 10 KB zone and SQL in tz with 400 and a safe message', async () => {
    for (const tz of [
      '\u0000',
      'UTC\u0000',
      'x'.repeat(10_000),
      "UTC'; DROP TABLE usage_events; --",
      '../../../etc/localtime',
    ]) {
      const answer = await raw(hub.port, `/api/usage?tz=${encodeURIComponent(tz)}`, {
        token: hub.memberToken,
      });
      expect(answer.status).toBe(400);
      expectContractError(answer, [tz]);
    }
  });

  // Regression: server/store/usage-views.ts summed a day's rows as `sum(...)::bigint`, so a day whose total passed
  // 2^63−1 (two hours of 1000 events of 2^53−1, each hour still a valid bigint) raised 22003 and the route answered
  // 500 `internal`.
  it('answers a usage view whose day total passes a bigint with a contract error, not 500', async () => {
    const max = Number.MAX_SAFE_INTEGER;
    const codex = (await hello(daemon, ['codex'], daemonId())).codex!;
    for (const hour of ['01', '02']) {
      const events = Array.from({ length: 1000 }, (_, i) =>
        event(`${hour}-${i}`, `2026-01-02T${hour}:00:00Z`, max),
      );
      expect(await callOk(daemon, 'usage', { runtime_id: codex, events })).toEqual({ accepted: 1000 });
    }
    for (const path of [`/api/runtimes/${codex}/usage?days=365`, '/api/usage?days=365']) {
      const answer = await raw(hub.port, path, { token: hub.memberToken });
      expect(answer.status, `${path} → ${answer.text}`).toBe(200);
      const day = (
        JSON.parse(answer.text) as { runtime_id: string; date: string; input_tokens: number }[]
      ).find((r) => r.runtime_id === codex && r.date === '2026-01-02');
      // Past 2^53 a JSON number is the nearest double: the sum is that double, not a wrapped or capped value.
      expect(day?.input_tokens).toBe(2000 * max);
    }
  });

  // Regression: Fastify answered some requests itself, bypassing the hub's error handler: a malformed percent-encoding
  // got 400 `{"code":"FST_ERR_BAD_URL",…}` and a path parameter over 100 characters on a POST route 414
  // `{"code":"FST_ERR_MAX_PARAM_LENGTH",…}`. Both now get the contract's 404 through `frameworkErrors`.
  it('answers a malformed percent-encoding in a path with the contract error body', async () => {
    for (const path of ['/api/runtimes/%E0%A4%A', '/api/runtimes/%zz/usage', '/api/usage%']) {
      expectContractError(await raw(hub.port, path, { token: hub.memberToken }));
    }
  });

  it('answers a daemon route whose path id is over 100 characters with the contract error body', async () => {
    const answer = await raw(hub.port, `/api/daemon/runtimes/${'a'.repeat(101)}/usage`, {
      method: 'POST',
      token: hub.daemonToken,
      body: '{"entries":[]}',
    });
    expect(answer.status).toBe(404);
    expectContractError(answer);
  });

  // Regression: a request line or headers over Node's 16 KB limit got Fastify's default answer, 431
  // `{"error":"Request Header Fields Too Large",…}` without a contract code; `clientErrorHandler` now answers 413.
  it('answers a request line over the header limit with 413 too_large', async () => {
    const answer = await raw(hub.port, `/api/usage?tz=${'x'.repeat(20_000)}`, { token: hub.memberToken });
    expect(answer.status).toBe(413);
    expectContractError(answer);
  });

  it('never serves a file from outside the dashboard build, whatever the path', async () => {
    const paths = [
      '/../package.json',
      '/%2e%2e/package.json',
      '/%2e%2e/%2e%2e/package.json',
      '/assets/..%2f..%2f..%2fpackage.json',
      '/assets/%2e%2e%5c%2e%2e%5cpackage.json',
      '/index.html/../../package.json',
      '/..%00/package.json',
      '/....//....//package.json',
      '/%c0%ae%c0%ae/package.json',
      '/assets/../../server/config.ts',
      '/.env',
      '/.git/config',
      '/node_modules/fastify/package.json',
      '/web/dist/../../package.json',
    ];
    for (const path of paths) {
      const answer = await raw(hub.port, path);
      expect(answer.status, path).not.toBe(500);
      for (const secret of ['"name": "runtime-hub"', 'DATABASE_URL', '[core]', 'export const']) {
        expect(answer.text, `${path} served ${secret}`).not.toContain(secret);
      }
      if (answer.status !== 200) expectContractError(answer);
    }
  });

  // Regression: GET /api/… paths with an empty, dot-dot or NUL segment were caught by the dashboard's file route,
  // whose 4xx came out as 400 "request body is not valid JSON"; a path the file route refuses is now a 404.
  it('answers API paths with empty, dot-dot or NUL segments with 404, like any unknown API path', async () => {
    for (const path of ['/api//runtimes', `/api/runtimes/x/..`, '/api/runtimes%00', '//api/runtimes']) {
      const answer = await raw(hub.port, path, { token: hub.memberToken });
      expect({ path, status: answer.status, body: JSON.parse(answer.text) }).toEqual({
        path,
        status: 404,
        body: { error: 'not found', code: 'not_found' },
      });
    }
  });
});

describe('errors under group commit', () => {
  let hub: TestHub;
  let bad: ClientSocket;
  let good: ClientSocket;
  let runtimeId: string;

  beforeAll(async () => {
    // A linger and a single writer make calls that arrive together share one commit batch.
    hub = await startTestHub({ config: { ...CONFIG, INGEST_LINGER_MS: 50, INGEST_WRITERS: 1 } });
    bad = await connect(hub.url, '/daemon', hub.daemonToken);
    good = await connect(hub.url, '/daemon', hub.daemonToken);
    runtimeId = (await hello(good, ['claude'], daemonId())).claude!;
  });
  afterAll(async () => {
    bad?.close();
    good?.close();
    await hub?.destroy();
  });

  // Regression: Postgres stores a lone surrogate as U+FFFD, so ids 'x\uD800' and 'x\uDC00' were two keys to the hub
  // but one to INSERT … ON CONFLICT (SQLSTATE 21000, not a data error): the whole commit batch was refused as
  // `unavailable`, the innocent calls in it too. The schema now refuses text that is not well-formed Unicode.
  it('does not fail a valid call that shares a commit batch with ids differing only in lone surrogates', async () => {
    const at = new Date().toISOString();
    const [hostile, innocent] = (await Promise.all([
      bad.timeout(10_000).emitWithAck('usage', {
        runtime_id: runtimeId,
        events: [event('twin\uD800', at, 1), event('twin\uDC00', at, 1)],
      }),
      good
        .timeout(10_000)
        .emitWithAck('usage', { runtime_id: runtimeId, events: [event('innocent', at, 1)] }),
    ])) as Ack<unknown>[];
    expect(innocent).toEqual({ ok: true, data: { accepted: 1 } });
    expect(hostile).toEqual({ ok: false, error: { code: 'invalid_payload', message: expect.any(String) } });
  });

  // Regression: z.guid accepts upper-case hex and Postgres compares uuids case-insensitively, but the hub keyed rows by
  // the runtime id string: 'ABC…' and 'abc…' in one batch were two keys to it and one to INSERT … ON CONFLICT
  // (SQLSTATE 21000), answered `unavailable` for every call of the batch, another workspace's too. RuntimeId is now
  // lower-cased at the boundary, and a batch whose keys collide in Postgres is committed call by call.
  it("does not fail another workspace's call batched with one runtime named in two letter cases", async () => {
    const other = await hub.newWorkspace('bystander');
    const bystander = await connect(hub.url, '/daemon', other.daemonToken);
    try {
      const theirs = (await hello(bystander, ['claude'], daemonId())).claude!;
      const at = new Date().toISOString();
      const tasks = (runtime_id: string) => ({
        runtime_id,
        tasks: [{ id: 'same-task', status: 'running', created_at: at }],
      });
      const acks = (await Promise.all([
        bad.timeout(10_000).emitWithAck('task', tasks(runtimeId)),
        bad.timeout(10_000).emitWithAck('task', tasks(runtimeId.toUpperCase())),
        bystander.timeout(10_000).emitWithAck('task', tasks(theirs)),
      ])) as Ack<unknown>[];
      expect(acks[2]).toEqual({ ok: true, data: { accepted: 1 } });
      expect(acks.slice(0, 2)).toEqual([
        { ok: true, data: { accepted: 1 } },
        { ok: true, data: { accepted: 1 } },
      ]);
    } finally {
      bystander.close();
    }
  });

  it('accepts events past what a bigint rollup could hold, and the calls batched with them', async () => {
    const max = Number.MAX_SAFE_INTEGER;
    const hour = '2026-01-03T05:00:00Z';
    const full = Array.from({ length: 1000 }, (_, i) => event(`full-${i}`, hour, max));
    expect(await callOk(good, 'usage', { runtime_id: runtimeId, events: full })).toEqual({ accepted: 1000 });
    // No valid event is refused for what other events did: the rollup sums past 2^63 (numeric).
    const [past, beside] = (await Promise.all([
      bad.timeout(10_000).emitWithAck('usage', {
        runtime_id: runtimeId,
        events: Array.from({ length: 100 }, (_, i) => event(`over-${i}`, hour, max)),
      }),
      good.timeout(10_000).emitWithAck('usage', {
        runtime_id: runtimeId,
        events: [event('beside', '2026-01-04T00:00:00Z', 1)],
      }),
    ])) as Ack<unknown>[];
    expect(past).toEqual({ ok: true, data: { accepted: 100 } });
    expect(beside).toEqual({ ok: true, data: { accepted: 1 } });
    const [written] = await hub.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM usage_events WHERE id LIKE 'over-%'",
    );
    expect(written).toEqual({ n: 100 });
  });
});
