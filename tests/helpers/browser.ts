/**
 * Debian's Chromium driven by playwright-core for the e2e tests. Never downloads a browser: without
 * /usr/bin/chromium (or CHROMIUM_PATH) the e2e suite is skipped with the reason.
 */
import { existsSync } from 'node:fs';
import { type Browser, type BrowserContext, chromium } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const hasChromium = existsSync(CHROMIUM_PATH);

/** Flags for a closed network: no background fetches, no first-run work (the bench uses them too). */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
}

export interface PageOptions {
  width?: number;
  height?: number;
  colorScheme?: 'light' | 'dark';
  timezoneId?: string;
}

/** A fresh context (own storage) with a viewport, colour scheme and zone. */
export function newContext(browser: Browser, o: PageOptions = {}): Promise<BrowserContext> {
  return browser.newContext({
    viewport: { width: o.width ?? 1280, height: o.height ?? 900 },
    colorScheme: o.colorScheme ?? 'light',
    timezoneId: o.timezoneId ?? 'UTC',
    locale: 'en-US',
  });
}
