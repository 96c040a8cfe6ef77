/**
 * How fast the hub answers what a runtime page asks for at navigation: the page's own requests (read from one
 * load's resource timing: the document, the three history calls), replayed from Node, the history calls
 * together as the page sends them, each load's document request first. Prints per request the median time
 * to the first byte and to the last, alone and together.
 *
 * `npx tsx bench/web-answers.ts [rounds=30]`
 */
import { median } from './scenarios/web';
import { withWebSession } from './web-session';

async function timed(url: string, token: string | null): Promise<{ ttfb: number; total: number }> {
  const t0 = performance.now();
  const r = await fetch(url, {
    headers: {
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
      Accept: token ? 'application/json' : 'text/html',
      'Accept-Encoding': 'br, gzip',
    },
  });
  const ttfb = performance.now() - t0;
  await r.arrayBuffer();
  return { ttfb, total: performance.now() - t0 };
}

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 30);
  await withWebSession(async ({ url, runtimeId, signedIn }) => {
    const page = await signedIn.newPage();
    await page.goto(`${url}/#/runtime/${runtimeId}?days=90`);
    await page.waitForFunction(() => performance.getEntriesByName('charts-drawn').length > 0);
    const { token, apis } = await page.evaluate(() => ({
      token: localStorage.getItem(Object.keys(localStorage).find((k) => /token/i.test(k)) ?? ''),
      apis: (performance.getEntriesByType('resource') as PerformanceResourceTiming[])
        .map((r) => r.name)
        .filter((n) => /\/(usage|activity)\?/.test(n) && !/group_by=(project|user|session)/.test(n))
        .slice(0, 3),
    }));
    await page.close();
    const doc = `${url}/?x=1`;
    const rows = new Map<string, { ttfb: number[]; total: number[] }>();
    const add = (k: string, t: { ttfb: number; total: number }) => {
      const r = rows.get(k) ?? { ttfb: [], total: [] };
      r.ttfb.push(t.ttfb);
      r.total.push(t.total);
      rows.set(k, r);
    };
    const name = (u: string) => u.replace(/^.*\/(usage|activity)\?/, '$1?').slice(0, 40);
    for (let i = -3; i < rounds; i++) {
      const d = await timed(doc, null);
      const together = await Promise.all(apis.map((a) => timed(a, token)));
      const alone = [];
      for (const a of apis) alone.push(await timed(a, token));
      if (i < 0) continue;
      add('document', d);
      together.forEach((t, j) => {
        add(`together ${name(apis[j] ?? '')}`, t);
      });
      alone.forEach((t, j) => {
        add(`alone ${name(apis[j] ?? '')}`, t);
      });
      add('together: last', {
        ttfb: Math.max(...together.map((t) => t.ttfb)),
        total: Math.max(...together.map((t) => t.total)),
      });
    }
    console.log(`medians of ${rounds} rounds, ms (first byte / last byte)`);
    for (const [k, r] of rows)
      console.log(
        `${k.padEnd(52)} ${median(r.ttfb).toFixed(1).padStart(6)} ${median(r.total).toFixed(1).padStart(6)}`,
      );
  });
}

await main();
