import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { claudeConfigDirs, codexHome, listJsonl, resolveRoots } from '../../../server/daemon/discovery';
import { tempDir } from '../../fixtures/daemon/builders';

describe('finding the log folders', () => {
  it('takes Claude folders from the flag, else CLAUDE_CONFIG_DIR (a list; empty means unset), else both defaults', () => {
    const home = '/home/u';
    expect(claudeConfigDirs({ claudeDir: '/a, /b', env: { CLAUDE_CONFIG_DIR: '/c' }, home })).toEqual([
      '/a',
      '/b',
    ]);
    expect(claudeConfigDirs({ env: { CLAUDE_CONFIG_DIR: '/c,/d,' }, home })).toEqual(['/c', '/d']);
    expect(claudeConfigDirs({ env: { CLAUDE_CONFIG_DIR: ' ' }, home })).toEqual([
      '/home/u/.claude',
      '/home/u/.config/claude',
    ]);
  });

  it('takes the Codex home from the flag, else CODEX_HOME, else ~/.codex', () => {
    expect(codexHome({ codexDir: '/x', env: { CODEX_HOME: '/y' }, home: '/h' })).toBe('/x');
    expect(codexHome({ env: { CODEX_HOME: '/y' }, home: '/h' })).toBe('/y');
    expect(codexHome({ env: {}, home: '/h' })).toBe('/h/.codex');
  });

  it('uses only folders that exist and reads a symlinked config folder once', async () => {
    const home = tempDir();
    mkdirSync(join(home, '.claude/projects/p'), { recursive: true });
    mkdirSync(join(home, '.config'), { recursive: true });
    symlinkSync(join(home, '.claude'), join(home, '.config/claude'));
    mkdirSync(join(home, '.codex/sessions'), { recursive: true });
    const roots = await resolveRoots({ env: {}, home });
    expect(roots.map((r) => r.provider)).toEqual(['claude', 'codex']);
  });

  it('reads the Codex home’s archived_sessions/ beside sessions/, each only when it exists', async () => {
    const home = tempDir();
    mkdirSync(join(home, '.codex/archived_sessions'), { recursive: true });
    expect((await resolveRoots({ env: {}, home })).map((r) => r.dir.slice(home.length))).toEqual([
      '/.codex/archived_sessions',
    ]);
    mkdirSync(join(home, '.codex/sessions'), { recursive: true });
    expect(
      (await resolveRoots({ env: {}, home })).map((r) => [r.provider, r.dir.slice(home.length)]),
    ).toEqual([
      ['codex', '/.codex/sessions'],
      ['codex', '/.codex/archived_sessions'],
    ]);
  });

  it('lists the JSONL files of a tree in path order', async () => {
    const dir = tempDir();
    for (const f of ['b/2.jsonl', 'a/1.jsonl', 'a/sub/3.jsonl', 'a/notes.txt']) {
      mkdirSync(join(dir, f, '..'), { recursive: true });
      writeFileSync(join(dir, f), '');
    }
    expect((await listJsonl(dir)).map((p) => p.slice(dir.length + 1))).toEqual([
      'a/1.jsonl',
      'a/sub/3.jsonl',
      'b/2.jsonl',
    ]);
  });
});
