/**
 * The dashboard's files travel compressed as the build wrote them (web/vite.config.ts writes a `.br` and a `.gz`
 * beside each text file of 1 KB or more): the hub sends those exact bytes to a browser that accepts the encoding,
 * the plain file to one that does not, says which with Content-Encoding and Vary, and keeps the cache policy of
 * the file asked for.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IMMUTABLE } from '../../server/http/dashboard-cache';
import { ensureBuilt, ROOT } from '../e2e/support';
import { startTestHub, type TestHub } from '../helpers/hub';

const DIST = join(ROOT, 'web/dist');

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A GET whose body is read as sent (fetch would undo the encoding). */
function rawGet(url: string, acceptEncoding?: string): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { headers: acceptEncoding ? { 'accept-encoding': acceptEncoding } : {} },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('compressed dashboard files', () => {
  let hub: TestHub;
  let assets: string[];
  beforeAll(async () => {
    ensureBuilt();
    hub = await startTestHub();
    assets = readdirSync(join(DIST, 'assets')).filter((f) => /\.(js|css)$/.test(f));
  });
  afterAll(() => hub?.destroy());

  it('writes a .br and a .gz beside every script and stylesheet of 1 KB or more, each decoding to the file', () => {
    const large = assets.filter((f) => readFileSync(join(DIST, 'assets', f)).length >= 1024);
    expect(large.length).toBeGreaterThan(3);
    for (const name of large) {
      const plain = readFileSync(join(DIST, 'assets', name));
      const br = readFileSync(join(DIST, 'assets', `${name}.br`));
      const gz = readFileSync(join(DIST, 'assets', `${name}.gz`));
      expect(brotliDecompressSync(br).equals(plain)).toBe(true);
      expect(gunzipSync(gz).equals(plain)).toBe(true);
      expect(br.length).toBeLessThan(plain.length);
    }
  });

  it('sends the brotli file to a browser that accepts br, with its type and the immutable cache policy', async () => {
    for (const name of assets) {
      const plain = readFileSync(join(DIST, 'assets', name));
      const res = await rawGet(`${hub.url}/assets/${name}`, 'gzip, deflate, br, zstd');
      expect(res.status).toBe(200);
      expect(res.headers['cache-control']).toBe(IMMUTABLE);
      expect(res.headers.vary).toContain('accept-encoding');
      expect(res.headers['content-type']).toMatch(name.endsWith('.js') ? /javascript/ : /text\/css/);
      if (plain.length < 1024) {
        // Too small to gain: the plain file.
        expect(res.headers['content-encoding']).toBeUndefined();
        expect(res.body.equals(plain)).toBe(true);
        continue;
      }
      expect(res.headers['content-encoding']).toBe('br');
      expect(res.body.equals(readFileSync(join(DIST, 'assets', `${name}.br`)))).toBe(true);
    }
  });

  it('sends the gzip file to a browser without brotli, and the plain file to one that asks for none', async () => {
    const name = assets.find((f) => f.startsWith('index-') && f.endsWith('.js'));
    expect(name).toBeDefined();
    const gz = await rawGet(`${hub.url}/assets/${name}`, 'gzip, deflate');
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gz.body.equals(readFileSync(join(DIST, 'assets', `${name}.gz`)))).toBe(true);
    const plain = await rawGet(`${hub.url}/assets/${name}`);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.equals(readFileSync(join(DIST, 'assets', name!)))).toBe(true);
    expect(plain.headers['cache-control']).toBe(IMMUTABLE);
  });

  it('sends the page compressed at / and at any route of the app, revalidated on every load', async () => {
    const html = readFileSync(join(DIST, 'index.html'));
    for (const path of ['/', '/index.html', '/some/route']) {
      const res = await rawGet(`${hub.url}${path}`, 'br');
      expect(res.status).toBe(200);
      expect(res.headers['content-encoding']).toBe('br');
      expect(res.headers['content-type']).toMatch(/text\/html/);
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(brotliDecompressSync(res.body).equals(html)).toBe(true);
    }
  });

  it('answers a missing asset with the page, never cached as if it were the asset', async () => {
    const res = await rawGet(`${hub.url}/assets/missing-0000.js`, 'br');
    expect(res.status).toBe(200);
    expect(res.headers['content-encoding']).toBe('br');
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(brotliDecompressSync(res.body).equals(readFileSync(join(DIST, 'index.html')))).toBe(true);
  });
});
