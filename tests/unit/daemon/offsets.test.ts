import { appendFileSync, renameSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Attribution } from '../../../server/daemon/attribution';
import { Scanner } from '../../../server/daemon/scanner';
import { DaemonState } from '../../../server/daemon/state-file';
import { claudeAssistant, claudeUser, tempDir, writeLines } from '../../fixtures/daemon/builders';
import { scanOnce } from './helpers';

const session = '11111111-2222-4333-8444-555555555555';
const line = (n: number, output = 10) =>
  claudeAssistant({
    messageId: `msg_${n}`,
    requestId: `req_${n}`,
    sessionId: session,
    ts: `2025-11-02T10:00:${String(n).padStart(2, '0')}.000Z`,
    usage: { input: n, output, cacheRead: 1000 },
  });

function setup() {
  const dir = tempDir();
  const claude = join(dir, 'claude');
  const file = join(claude, 'projects/p', `${session}.jsonl`);
  writeLines(file, [claudeUser(session, '2025-11-02T10:00:00.000Z'), line(1), line(2)]);
  return { dir, claude, file, statePath: join(dir, 'state.json') };
}

describe('incremental reading from saved offsets', () => {
  it('reads nothing new on a second scan', async () => {
    const { claude, statePath } = setup();
    const run = await scanOnce({ claude }, statePath);
    expect(run.events('claude')).toHaveLength(2);
    const again = await scanOnce({ claude }, statePath, run.state);
    expect(again.scanner.countersFor('claude').lines).toBe(0);
  });

  it('reads only the appended lines', async () => {
    const { claude, file, statePath } = setup();
    const run = await scanOnce({ claude }, statePath);
    appendFileSync(file, `${line(3)}\n${line(4)}\n`);
    const again = await scanOnce({ claude }, statePath, run.state);
    expect(again.scanner.countersFor('claude')).toMatchObject({ lines: 2, events: 2 });
  });

  it('resumes from the offsets of the state file after a restart and does not queue acknowledged events again', async () => {
    const { claude, file, statePath } = setup();
    const run = await scanOnce({ claude }, statePath);
    // Simulate the hub acknowledging everything, then a restart.
    run.state.outbox.removeEvents('claude', run.events('claude'));
    await run.state.save();
    appendFileSync(file, `${line(3)}\n`);
    const restarted = await scanOnce({ claude }, statePath);
    expect(restarted.events('claude').map((e) => e.id)).toEqual(['msg_3:req_3']);
    expect(restarted.scanner.countersFor('claude').lines).toBe(1);
  });

  it('rereads a truncated file from the start, without queueing what was already queued', async () => {
    const { claude, file, statePath } = setup();
    const run = await scanOnce({ claude }, statePath);
    run.state.outbox.removeEvents('claude', run.events('claude'));
    truncateSync(file, 0);
    writeLines(file, [line(1), line(5)]);
    const again = await scanOnce({ claude }, statePath, run.state);
    expect(again.scanner.countersFor('claude')).toMatchObject({ lines: 2, events: 1, duplicates: 1 });
    expect(again.events('claude').map((e) => e.id)).toEqual(['msg_5:req_5']);
  });

  it('rereads a file replaced by another one (new inode) at the same path', async () => {
    const { claude, file, statePath } = setup();
    const run = await scanOnce({ claude }, statePath);
    const other = `${file}.new`;
    writeLines(other, [line(1), line(2), line(6), line(7)]);
    renameSync(other, file);
    const again = await scanOnce({ claude }, statePath, run.state);
    expect(again.scanner.countersFor('claude').lines).toBe(4);
    expect(again.scanner.countersFor('claude').events).toBe(2);
  });

  it('rereads a file rewritten in place with different content that grew past the old offset', async () => {
    const { claude, file, statePath } = setup();
    const run = await scanOnce({ claude }, statePath);
    const before = run.state.files.get(file)?.offset ?? 0;
    writeFileSync(file, `${[line(8), line(9), line(10), line(11)].join('\n')}\n`);
    const again = await scanOnce({ claude }, statePath, run.state);
    expect(again.state.files.get(file)?.offset).toBeGreaterThan(before);
    expect(again.scanner.countersFor('claude').events).toBe(4);
  });

  it('sends a later, larger snapshot of an event again, and not a later smaller one', async () => {
    const { claude, file, statePath } = setup();
    const run = await scanOnce({ claude }, statePath);
    run.state.outbox.removeEvents('claude', run.events('claude'));
    appendFileSync(file, `${line(2, 5)}\n${line(1, 500)}\n`);
    const again = await scanOnce({ claude }, statePath, run.state);
    expect(again.events('claude').map((e) => [e.id, e.output_tokens])).toEqual([['msg_1:req_1', 500]]);
  });

  it('pauses reading while the outbox is full and resumes at the exact line, with exact totals', async () => {
    const dir = tempDir();
    const claude = join(dir, 'claude');
    const file = join(claude, 'projects/p', `${session}.jsonl`);
    writeLines(
      file,
      Array.from({ length: 23 }, (_, i) => line(i + 1, i + 1)),
    );
    const state = await DaemonState.load(join(dir, 'state.json'));
    const scanner = new Scanner(state, Attribution.none(), 5);
    const files = [{ provider: 'claude' as const, path: file }];
    let outputs = 0;
    let passes = 0;
    for (;;) {
      passes++;
      const complete = await scanner.scanFiles(files);
      const batch = state.outbox.eventBatch('claude', 100);
      outputs += batch.reduce((n, e) => n + e.output_tokens, 0);
      state.outbox.removeEvents('claude', batch); // the hub acknowledged them
      if (complete) break;
    }
    expect(passes).toBe(5);
    expect(outputs).toBe((23 * 24) / 2);
    expect(scanner.countersFor('claude')).toMatchObject({ lines: 23, events: 23, duplicates: 0 });
  });

  it('keeps offsets, context and outbox in one state file that loads back identically', async () => {
    const { claude, statePath } = setup();
    const run = await scanOnce({ claude }, statePath);
    await run.state.save();
    const loaded = await DaemonState.load(statePath);
    expect(loaded.daemonId).toBe(run.state.daemonId);
    expect(JSON.stringify(loaded.toJSON())).toBe(JSON.stringify(run.state.toJSON()));
  });
});
