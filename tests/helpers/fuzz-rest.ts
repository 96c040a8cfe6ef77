/**
 * The hub and the answer checks the REST fuzz files share (fuzz-rest-reads and fuzz-rest-writes): three
 * workspaces (a writer, a reader with some history, a stranger), revoked tokens of each kind, and the assertion
 * every answer must pass. Requests go through node:http so that paths reach the hub byte for byte (fetch would
 * resolve `..` segments).
 */
import http from 'node:http';
import { expect } from 'vitest';
import { createToken, revokeToken } from '../../server/store';
import { type ErrorCode, httpStatusOf, type Runtime } from '../../shared';
import { type FuzzContext, unsafeMessage } from './arbitraries';
import { QUIET_BACKGROUND, startTestHub, type TestHub, type TestWorkspace } from './hub';
import { daemonId } from './sockets';

const FUZZ_CONFIG = {
  DAEMON_RATE_PER_S: 100_000,
  REST_RATE_PER_MIN: 1_000_000,
  HANDSHAKE_RATE_PER_S: 10_000,
  // No presence or retention writes in the middle of a property: rowsWrittenWhile and the row digests count every
  // committed row (regression fuzz-rows-deleted-by-retention).
  ...QUIET_BACKGROUND,
};

export interface Answer {
  status: number;
  type: string;
  text: string;
}

/** A 200 answer, checked by `check`. */
export interface Ok {
  status: 200;
  check: (body: unknown, text: string, type: string) => void;
}
export type Verdict = Ok | { code: ErrorCode };

export interface FuzzRestHub {
  hub: TestHub;
  /** Writes through the daemon routes. */
  writer: TestWorkspace;
  /** Read through the member routes; never written during the properties. */
  reader: TestWorkspace;
  /** A third workspace whose daemon token owns nothing the others have. */
  stranger: TestWorkspace;
  revokedDaemon: string;
  revokedMember: string;
  writerCtx: FuzzContext;
  readerCtx: FuzzContext;
  request: (
    method: 'GET' | 'POST',
    path: string,
    headers: Record<string, string>,
    body?: string,
  ) => Promise<Answer>;
  /** Asserts one answer against its verdict: the contract status and body, and a safe message. Counts it. */
  check: (answer: Answer, verdict: Verdict, inputs: string[], label: string) => void;
  /** Asserts the hub still answers /healthz. */
  healthy: () => Promise<void>;
  /** Requests checked so far. */
  cases: () => number;
  /** Answers checked so far, by status ('200' for a success). */
  seen: Record<string, number>;
  /** Prints the tally under `name` and stops the hub. */
  destroy: (name: string) => Promise<void>;
}

/** Starts the hub the REST fuzz files share, with its workspaces, runtimes, some history and revoked tokens. */
export async function startFuzzRestHub(): Promise<FuzzRestHub> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const hub = await startTestHub({ config: FUZZ_CONFIG });
  const request: FuzzRestHub['request'] = (method, path, headers, body) =>
    new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: hub.port, method, path, headers, agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            type: String(res.headers['content-type'] ?? ''),
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
  const post = (path: string, token: string, body: unknown) =>
    request(
      'POST',
      path,
      { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      JSON.stringify(body),
    );
  const registerRuntimes = async (ws: TestWorkspace): Promise<string[]> => {
    const res = await post('/api/daemon/hello', ws.daemonToken, {
      daemon_id: daemonId(),
      device_info: 'fuzz',
      runtimes: ['claude', 'codex'].map((provider) => ({ provider, name: provider, runtime_mode: 'local' })),
    });
    expect(res.status).toBe(200);
    return (JSON.parse(res.text) as { runtimes: Runtime[] }).runtimes.map((r) => r.id);
  };

  const writer = hub;
  const reader = await hub.newWorkspace('reader');
  const stranger = await hub.newWorkspace('stranger');
  const writerIds = await registerRuntimes(writer);
  const readerIds = await registerRuntimes(reader);
  // Some history for the reader, so that 200 answers carry rows.
  const at = new Date(Date.now() - 3_600_000).toISOString();
  const usage = await post('/api/daemon/usage', reader.daemonToken, {
    runtime_id: readerIds[0],
    events: [
      {
        id: 'e1',
        ts: at,
        provider: 'claude',
        model: 'claude-sonnet-4-5',
        input_tokens: 10,
        output_tokens: 20,
        cache_read_tokens: 30,
        cache_write_tokens: 40,
      },
    ],
  });
  const tasks = await post('/api/daemon/tasks', reader.daemonToken, {
    runtime_id: readerIds[0],
    tasks: [{ id: 't1', status: 'completed', created_at: at }],
  });
  expect([usage.status, tasks.status]).toEqual([200, 200]);
  const revoked = await createToken(hub.db, writer.workspaceId, 'daemon', 'revoked');
  const revokedM = await createToken(hub.db, reader.workspaceId, 'member', 'revoked');
  await revokeToken(hub.db, revoked.id);
  await revokeToken(hub.db, revokedM.id);

  let cases = 0;
  const seen: Record<string, number> = {};
  const check: FuzzRestHub['check'] = (answer, verdict, inputs, label) => {
    cases += 1;
    const key = 'code' in verdict ? `${answer.status}` : '200';
    seen[key] = (seen[key] ?? 0) + 1;
    expect(answer.status, `${label} → ${answer.text.slice(0, 300)}`).not.toBe(500);
    if ('code' in verdict) {
      expect({ status: answer.status, type: answer.type }, `${label} → ${answer.text.slice(0, 300)}`).toEqual(
        {
          status: httpStatusOf[verdict.code],
          type: expect.stringContaining('application/json'),
        },
      );
      const body = JSON.parse(answer.text) as Record<string, unknown>;
      expect(body, label).toEqual({ error: expect.any(String), code: verdict.code });
      expect(unsafeMessage(body.error, inputs), `${label} → ${answer.text.slice(0, 300)}`).toBeUndefined();
      return;
    }
    expect(answer.status, `${label} → ${answer.text.slice(0, 300)}`).toBe(200);
    const body = answer.type.includes('json') ? (JSON.parse(answer.text) as unknown) : answer.text;
    verdict.check(body, answer.text, answer.type);
  };

  return {
    hub,
    writer,
    reader,
    stranger,
    revokedDaemon: revoked.token,
    revokedMember: revokedM.token,
    writerCtx: { own: writerIds, foreign: readerIds, daemonIds: [daemonId()] },
    readerCtx: { own: readerIds, foreign: writerIds, daemonIds: [daemonId()] },
    request,
    check,
    healthy: async () => expect((await request('GET', '/healthz', {})).status).toBe(200),
    cases: () => cases,
    seen,
    destroy: async (name) => {
      console.log(`${name}: ${cases} generated hostile requests; answers ${JSON.stringify(seen)}`);
      agent.destroy();
      await hub.destroy();
    },
  };
}
