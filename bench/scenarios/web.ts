/**
 * Web: the gzip size of the dashboard's JavaScript (web/dist/assets/*.js, gzip level 9, as built by
 * `npm run build:web`) and the time to charts drawn for 90 days in headless Chromium: from navigation start of
 * `#/runtime/<id>?days=90` (signed in through `/#token=…` beforehand) until three uPlot canvases exist, read in the page
 * as `performance.now()` on the first animation frame that sees them.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS as ARGS } from '../../tests/helpers/browser';
import { ROOT } from '../processes';

const ASSETS = join(ROOT, 'web/dist/assets');
export const CHROMIUM = process.env.BENCH_CHROMIUM ?? '/usr/bin/chromium';

/** `npm run build:web`, bounded; resolves with an error text, or null when it built. */
export function buildWeb(timeoutMs = 180_000): Promise<string | null> {
  return new Promise((resolve) => {
    const proc = spawn('npm', ['run', '--silent', 'build:web'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    proc.stdout.on('data', (d) => {
      out += d;
    });
    proc.stderr.on('data', (d) => {
      out += d;
    });
    const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
    proc.on('exit', (code) => {
      clearTimeout(timer);
      resolve(
        code === 0 ? null : `build:web exited ${code}: ${out.trim().split('\n').slice(-5).join(' | ')}`,
      );
    });
  });
}

export interface JsSize {
  files: { name: string; bytes: number; gzipBytes: number }[];
  gzipBytes: number;
}

export function jsGzipSize(): JsSize | null {
  let names: string[];
  try {
    names = readdirSync(ASSETS).filter((f) => f.endsWith('.js'));
  } catch {
    return null;
  }
  if (names.length === 0) return null;
  const files = names.map((name) => {
    const buf = readFileSync(join(ASSETS, name));
    return { name, bytes: buf.length, gzipBytes: gzipSync(buf, { level: 9 }).length };
  });
  return { files, gzipBytes: files.reduce((s, f) => s + f.gzipBytes, 0) };
}

export interface ChartsResult {
  samplesMs: number[];
  medianMs: number;
  firstMs: number;
}

export async function timeToCharts(o: {
  baseUrl: string;
  memberToken: string;
  runtimeId: string;
  samples: number;
}): Promise<ChartsResult> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, timeout: 30_000 });
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const signIn = await context.newPage();
    await signIn.goto(`${o.baseUrl}/#token=${encodeURIComponent(o.memberToken)}`, { timeout: 20_000 });
    await signIn.waitForFunction(() => location.hash === '#/' && localStorage.length > 0, null, {
      timeout: 20_000,
    });
    await signIn.close();
    const samplesMs: number[] = [];
    for (let i = 0; i < o.samples; i++) {
      const page = await context.newPage();
      try {
        await page.goto(`${o.baseUrl}/#/runtime/${o.runtimeId}?days=90`, {
          waitUntil: 'commit',
          timeout: 20_000,
        });
        const drawn = await page.waitForFunction(
          () => (document.querySelectorAll('.uplot canvas').length >= 3 ? performance.now() : false),
          null,
          { polling: 'raf', timeout: 20_000 },
        );
        samplesMs.push((await drawn.jsonValue()) as number);
      } finally {
        await page.close();
      }
    }
    const sorted = [...samplesMs].sort((a, b) => a - b);
    return { samplesMs, medianMs: sorted[Math.floor((sorted.length - 1) / 2)]!, firstMs: samplesMs[0]! };
  } finally {
    await browser.close();
  }
}
