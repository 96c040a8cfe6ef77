/**
 * Holding a page's REST answers back (Playwright's route: the hub's full answer, fulfilled later), for the refetch
 * races. A race test must start holding only once the page's first load is over: on its first connect the page
 * asks again for what it fetched before its socket joined (store.loadAll), and a held answer of that first load
 * looked like the reconnect's refetch — the test then committed while the page was still reconnecting, and the
 * push it waited for never came (the flaky task-refetch-race of the session 5 CI).
 */
import type { Page, Route } from 'playwright-core';
import { eventually } from '../helpers/sockets';

export interface HeldAnswers {
  /** While set, each matching answer is read from the hub in full and kept back until `release`. */
  hold: boolean;
  /** Answers read from the hub and held. */
  read: number;
  /** Fulfils every held answer, in the order they were read, and stops holding. */
  release(): Promise<void>;
  /** Resolves once the page is live and none of its matching requests has been open for a while. */
  firstLoadOver(): Promise<void>;
}

const QUIET_MS = 300;

export async function holdAnswers(page: Page, pattern: RegExp): Promise<HeldAnswers> {
  const held: (() => Promise<void>)[] = [];
  let open = 0;
  let lastChange = Date.now();
  const track = (delta: number) => (url: string) => {
    if (!pattern.test(url)) return;
    open += delta;
    lastChange = Date.now();
  };
  const opened = track(1);
  const closed = track(-1);
  page.on('request', (r) => opened(r.url()));
  page.on('requestfinished', (r) => closed(r.url()));
  page.on('requestfailed', (r) => closed(r.url()));

  const answers: HeldAnswers = {
    hold: false,
    read: 0,
    async release() {
      answers.hold = false;
      for (const fulfil of held.splice(0)) await fulfil();
    },
    async firstLoadOver() {
      const live = () => page.evaluate(() => performance.getEntriesByName('hub-live', 'mark').length);
      await eventually(async () => (await live()) === 1, 15_000);
      await eventually(() => open === 0 && Date.now() - lastChange >= QUIET_MS, 15_000);
    },
  };
  const route = async (r: Route) => {
    if (!answers.hold) return r.continue();
    const response = await r.fetch();
    answers.read++;
    held.push(() => r.fulfill({ response }));
  };
  await page.route(pattern, route);
  return answers;
}
