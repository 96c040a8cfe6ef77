/**
 * The dashboard's files are cached as their names allow: hashed build assets for a year without revalidation
 * (a reopened dashboard asks nothing before its scripts run), the page itself revalidated every time.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IMMUTABLE } from '../../server/http/dashboard-cache';
import { ensureBuilt, ROOT } from '../e2e/support';
import { startTestHub, type TestHub } from '../helpers/hub';

describe('caching of the dashboard files', () => {
  let hub: TestHub;
  beforeAll(async () => {
    ensureBuilt();
    hub = await startTestHub();
  });
  afterAll(() => hub?.destroy());

  it('serves every hashed asset as immutable for a year', async () => {
    const assets = readdirSync(join(ROOT, 'web/dist/assets'));
    expect(assets.some((f) => f.endsWith('.js'))).toBe(true);
    for (const name of assets) {
      const res = await fetch(`${hub.url}/assets/${name}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe(IMMUTABLE);
      await res.arrayBuffer();
    }
  });

  it('has the page revalidated on every load, at / and at any route of the app', async () => {
    for (const path of ['/', '/index.html', '/some/route']) {
      const res = await fetch(`${hub.url}${path}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(await res.text()).toContain('<div id="app">');
    }
  });
});
