/**
 * A cached history answer is sent from bytes kept beside it, compressed once off the event loop
 * (server/http/answer-body.ts): the first answer goes out plain and starts the compression, later ones are br or
 * gzip as the client accepts. Every answer, whatever its coding, decodes to exactly the JSON a plain client gets,
 * with the same snapshot header, and a write makes the next answer the new rows, never the old bytes.
 */
import { request } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptedCoding, MIN_COMPRESSED_BYTES } from '../../server/http/answer-body';
import { USAGE_SNAPSHOT_HEADER } from '../../shared';
import { startTestHub, type TestHub } from '../helpers/hub';
import { rest } from '../helpers/rest';
import { daemonId } from '../helpers/sockets';

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The body decoded from its Content-Encoding. */
  text: string;
  coding?: string;
}

/** A GET whose encoding is seen and undone here (fetch would undo it unseen). */
function rawGet(url: string, token: string, acceptEncoding?: string): Promise<Raw> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (acceptEncoding) headers['accept-encoding'] = acceptEncoding;
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        const coding = res.headers['content-encoding'];
        const plain =
          coding === 'br' ? brotliDecompressSync(body) : coding === 'gzip' ? gunzipSync(body) : body;
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text: plain.toString('utf8'), coding });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Asks until the answer comes in `coding` (its compression runs in the background after the first answer). */
async function untilCoded(url: string, token: string, accept: string, coding: string): Promise<Raw> {
  for (let i = 0; i < 100; i++) {
    const res = await rawGet(url, token, accept);
    if (res.coding === coding) return res;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`never answered in ${coding}`);
}

const ts = new Date(Date.now() - 60_000).toISOString();
/** Rows of several models, so the answer is well over the size worth compressing. */
const events = (input: number) =>
  Array.from({ length: 12 }, (_, i) => ({
    id: `e${i}`,
    ts,
    provider: 'codex',
    model: `gpt-5-variant-${i}`,
    input_tokens: input + i,
    output_tokens: 1,
    cache_read_tokens: 0,
    cache_write_tokens: 0,
  }));

describe('cached history answers, compressed', () => {
  let hub: TestHub;
  let runtimeId: string;
  let path: string;
  const send = (input: number) =>
    rest(`${hub.url}/api/daemon/usage`, {
      token: hub.daemonToken,
      body: { runtime_id: runtimeId, events: events(input) },
    });

  beforeAll(async () => {
    hub = await startTestHub();
    const hello = await rest(`${hub.url}/api/daemon/hello`, {
      token: hub.daemonToken,
      body: {
        daemon_id: daemonId(),
        device_info: 'x',
        runtimes: [{ provider: 'codex', name: 'c', runtime_mode: 'local' }],
      },
    });
    runtimeId = hello.body.runtimes[0].id;
    path = `${hub.url}/api/runtimes/${runtimeId}/usage?days=2&tz=UTC`;
    expect((await send(100)).status).toBe(200);
  });
  afterAll(() => hub?.destroy());

  it('answers br, then gzip, then plain, each decoding to the same JSON with the same snapshot', async () => {
    const plain = await rawGet(path, hub.memberToken);
    expect(plain.status).toBe(200);
    expect(plain.coding).toBeUndefined();
    expect(Buffer.byteLength(plain.text)).toBeGreaterThan(MIN_COMPRESSED_BYTES);
    expect((JSON.parse(plain.text) as unknown[]).length).toBe(12);

    const br = await untilCoded(path, hub.memberToken, 'gzip, deflate, br, zstd', 'br');
    const gz = await untilCoded(path, hub.memberToken, 'gzip, deflate', 'gzip');
    const again = await rawGet(path, hub.memberToken);
    for (const res of [br, gz, again]) {
      expect(res.status).toBe(200);
      expect(res.text).toBe(plain.text);
      expect(res.headers[USAGE_SNAPSHOT_HEADER.toLowerCase()]).toBe(
        plain.headers[USAGE_SNAPSHOT_HEADER.toLowerCase()],
      );
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(res.headers.vary).toContain('accept-encoding');
    }
    expect(again.coding).toBeUndefined();
  });

  it('after a write, answers the new rows in every coding, never the old bytes', async () => {
    await untilCoded(path, hub.memberToken, 'br', 'br');
    expect((await send(1000)).status).toBe(200);
    const sum = (r: Raw) =>
      (JSON.parse(r.text) as { input_tokens: number }[]).reduce((s, x) => s + x.input_tokens, 0);
    // Events are upserted by id: the second batch replaced the first (12 rows of 1000 + i).
    const expected = 12 * 1000 + 66;
    expect(sum(await rawGet(path, hub.memberToken, 'br'))).toBe(expected);
    expect(sum(await untilCoded(path, hub.memberToken, 'br', 'br'))).toBe(expected);
    expect(sum(await rawGet(path, hub.memberToken))).toBe(expected);
  });

  it('leaves small answers and uncached pages plain', async () => {
    const activity = await rawGet(
      `${hub.url}/api/runtimes/${runtimeId}/activity?days=2&tz=UTC`,
      hub.memberToken,
      'br',
    );
    expect(activity.status).toBe(200);
    expect(activity.coding).toBeUndefined();
    // A later page (`before`) is read once, not cached: plain however often it is asked.
    // Tomorrow: the page holds today's rows, as large as the first page's.
    const day = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    for (let i = 0; i < 3; i++) {
      const page = await rawGet(`${path}&before=${day}`, hub.memberToken, 'br');
      expect(page.status).toBe(200);
      expect(page.coding).toBeUndefined();
      expect(Buffer.byteLength(page.text)).toBeGreaterThan(MIN_COMPRESSED_BYTES);
      await new Promise((r) => setTimeout(r, 50));
    }
  });

  it('reads Accept-Encoding as a browser writes it, q=0 refusing a coding', () => {
    expect(acceptedCoding('gzip, deflate, br, zstd')).toBe('br');
    expect(acceptedCoding('gzip, deflate')).toBe('gzip');
    expect(acceptedCoding('br;q=0, gzip;q=0.5')).toBe('gzip');
    expect(acceptedCoding('BR')).toBe('br');
    expect(acceptedCoding('identity')).toBeUndefined();
    expect(acceptedCoding(undefined)).toBeUndefined();
  });
});
