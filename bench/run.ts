/**
 * `npm run bench [-- --quick] [--profile] [--no-build] [--only hub,fanout]`: runs every scenario (bench/suite.ts), prints the
 * summary table on stdout (progress goes to stderr) and writes everything to bench/results/latest.json.
 * `--profile` runs the hubs under `node --cpu-prof` and leaves their profiles in bench/results/profiles/.
 * The whole run is bounded in time; children and the database are cleaned up on every way out.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { dropAllBenchDatabases } from './database';
import { SCENARIOS, type Scenario } from './measured';
import { guardChildren, ROOT, stopAll } from './processes';
import { summaryText, writeResult } from './report';
import { SCALES } from './scale';
import { runSuite } from './suite';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    tiny: { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    'no-build': { type: 'boolean', default: false },
    only: { type: 'string' },
    out: { type: 'string' },
  },
  strict: true,
});

const only = values.only?.split(',').map((s) => s.trim()) as Scenario[] | undefined;
const unknown = only?.filter((s) => !SCENARIOS.includes(s));
if (unknown && unknown.length > 0) {
  process.stderr.write(`bench: unknown scenario ${unknown.join(', ')}; known: ${SCENARIOS.join(', ')}\n`);
  process.exit(2);
}
const scale = SCALES[values.tiny ? 'tiny' : values.quick ? 'quick' : 'full'];
const results = join(ROOT, 'bench/results');
const out = values.out ?? join(results, 'latest.json');
const profileDir = values.profile
  ? join(results, 'profiles', new Date().toISOString().replace(/[:.]/g, '-'))
  : undefined;
mkdirSync(results, { recursive: true });
if (profileDir) mkdirSync(profileDir, { recursive: true });

const cleanUp = async () => {
  await stopAll();
  await dropAllBenchDatabases();
};
guardChildren(cleanUp);
// The scale scenario seeds 1M (quick) or 1M + 4M (full) events and measures views that may take seconds each.
const withScale = !only || only.includes('scale');
const limitS = (scale.name === 'full' ? 1800 : 300) + (withScale ? (scale.name === 'full' ? 2400 : 600) : 0);
const deadline = setTimeout(() => {
  process.stderr.write(`bench: over ${limitS} s, giving up\n`);
  void cleanUp().finally(() => process.exit(1));
}, limitS * 1000);
deadline.unref();

const log = (line: string) =>
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
log(`scale ${scale.name}${profileDir ? `, profiles in ${profileDir}` : ''}`);
try {
  const result = await runSuite(scale, { build: !values['no-build'], only, profileDir, log });
  writeResult(result, out);
  process.stdout.write(`${summaryText(result)}\nJSON: ${out}\n`);
  process.exitCode = Object.keys(result.errors).length > 0 ? 1 : 0;
} catch (err) {
  log(`failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exitCode = 1;
} finally {
  clearTimeout(deadline);
  await cleanUp();
}
