import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Outbox } from '../../../server/daemon/outbox';
import { DaemonState, derivedDaemonId } from '../../../server/daemon/state-file';
import type { UsageEvent } from '../../../shared/schemas';
import { tempDir } from '../../fixtures/daemon/builders';

const ev = (id: string, output: number): UsageEvent => ({
  id,
  ts: '2025-10-01T10:00:00.000Z',
  provider: 'claude',
  model: 'm',
  input_tokens: 0,
  output_tokens: output,
  cache_read_tokens: 0,
  cache_write_tokens: 0,
});

describe('the state file', () => {
  it('starts with a daemon id derived from the machine and the state path, stable across a lost file', async () => {
    const dir = tempDir();
    const a = await DaemonState.load(join(dir, 'a.json'));
    const again = await DaemonState.load(join(dir, 'a.json'));
    const b = await DaemonState.load(join(dir, 'b.json'));
    expect(z.uuid().safeParse(a.daemonId).success).toBe(true);
    expect(again.daemonId).toBe(a.daemonId);
    expect(b.daemonId).not.toBe(a.daemonId);
    expect(derivedDaemonId(join(dir, 'a.json'))).toBe(a.daemonId);
  });

  it('is written atomically and read back with its outbox', async () => {
    const dir = tempDir();
    const path = join(dir, 'nested', 'state.json');
    const s = await DaemonState.load(path);
    s.outbox.putEvent('claude', ev('x', 5));
    s.outbox.putTask('codex', { id: 't', status: 'running', created_at: '2025-10-01T10:00:00.000Z' });
    await s.save();
    expect(readdirSync(join(dir, 'nested'))).toEqual(['state.json']); // no temp file left behind
    const back = await DaemonState.load(path);
    expect(back.outbox.eventBatch('claude', 10)).toEqual([ev('x', 5)]);
    expect(back.outbox.taskBatch('codex', 10).map((t) => t.id)).toEqual(['t']);
  });

  it('starts fresh, keeping the derived daemon id, when the file is corrupt', async () => {
    const dir = tempDir();
    const path = join(dir, 'state.json');
    writeFileSync(path, '{"version":1,"daemon_id":');
    const warnings: string[] = [];
    const s = await DaemonState.load(path, (m) => warnings.push(m));
    expect(s.daemonId).toBe(derivedDaemonId(path));
    expect(warnings).toHaveLength(1);
  });

  it('keeps the daemon id it was saved with', async () => {
    const dir = tempDir();
    const path = join(dir, 'state.json');
    const id = '6f1c1b9e-8d0a-4c55-9a3e-1b2c3d4e5f60';
    writeFileSync(path, JSON.stringify({ version: 1, daemon_id: id }));
    expect((await DaemonState.load(path)).daemonId).toBe(id);
    await (await DaemonState.load(path)).save();
    expect(JSON.parse(readFileSync(path, 'utf8')).daemon_id).toBe(id);
    expect(existsSync(`${path}.${process.pid}.tmp`)).toBe(false);
  });
});

describe('Outbox', () => {
  it('keeps the larger of two versions of an event', () => {
    const o = new Outbox();
    o.putEvent('claude', ev('a', 5));
    o.putEvent('claude', ev('a', 3));
    o.putEvent('claude', ev('b', 1));
    o.putEvent('claude', ev('b', 9));
    expect(o.eventBatch('claude', 10).map((e) => [e.id, e.output_tokens])).toEqual([
      ['a', 5],
      ['b', 9],
    ]);
  });

  it('does not remove an event replaced by a larger version after its batch was taken', () => {
    const o = new Outbox();
    o.putEvent('claude', ev('a', 5));
    const batch = o.eventBatch('claude', 10);
    o.putEvent('claude', ev('a', 6));
    o.removeEvents('claude', batch);
    expect(o.eventBatch('claude', 10).map((e) => e.output_tokens)).toEqual([6]);
  });
});
