import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Attribution, nameHash, osUserName } from '../../../server/daemon/attribution';
import { findProjectName, ProjectNames } from '../../../server/daemon/project-name';
import { fitLabel } from '../../../shared/label';
import { UsageEvent } from '../../../shared/schemas';
import { repositories } from './repos';

describe('the project of a working directory', () => {
  const { root } = repositories();

  it('is the git top-level folder name, walking up from a nested subfolder', () => {
    expect(findProjectName(join(root, 'repo-a'))).toBe('repo-a');
    expect(findProjectName(join(root, 'repo-a', 'src', 'deep', 'er'))).toBe('repo-a');
    expect(findProjectName(`${join(root, 'repo-a', 'src')}/`)).toBe('repo-a');
  });

  it('stops at a .git file: a worktree and a submodule are their own top-level folders', () => {
    expect(findProjectName(join(root, 'repo-a-feature'))).toBe('repo-a-feature');
    expect(findProjectName(join(root, 'repo-a', 'vendor', 'lib', 'inner'))).toBe('lib');
  });

  it('is the folder itself outside a repository, and the nearest repository inside a plain folder', () => {
    expect(findProjectName(join(root, 'scratch', 'notes'))).toBe('notes');
    expect(findProjectName(join(root, 'scratch'))).toBe('scratch');
    expect(findProjectName(join(root, 'scratch', 'repo-b', 'pkg'))).toBe('repo-b');
  });

  it('is the basename of a cwd that no longer exists, or of a relative one', () => {
    expect(findProjectName(join(root, 'repo-a', 'gone', 'worktree-x'))).toBe('worktree-x');
    expect(findProjectName('/nonexistent/place/old-repo')).toBe('old-repo');
    expect(findProjectName('some/relative-dir')).toBe('relative-dir');
    expect(findProjectName('/')).toBe('/');
    // A path the file system cannot even take (a NUL from a damaged log line) is still just a name.
    expect(findProjectName('/tmp/bro\u0000ken')).toBe('bro\u0000ken');
  });

  it('reads the disk once per distinct cwd (bounded cache)', () => {
    const asked: string[] = [];
    const names = new ProjectNames((cwd) => {
      asked.push(cwd);
      return findProjectName(cwd);
    });
    for (let i = 0; i < 3; i++) {
      expect(names.of(join(root, 'repo-a', 'src'))).toBe('repo-a');
      expect(names.of(join(root, 'scratch', 'notes'))).toBe('notes');
    }
    expect(asked).toEqual([join(root, 'repo-a', 'src'), join(root, 'scratch', 'notes')]);
  });
});

describe('attribution fields and the privacy switches', () => {
  const { root } = repositories();
  const cwd = join(root, 'repo-a', 'src', 'deep');

  it('sends the project folder name, the session id and the user by default', () => {
    const a = new Attribution({ user: 'alice' });
    expect(a.fields(cwd, 'sess-1')).toEqual({ project: 'repo-a', session_id: 'sess-1', user: 'alice' });
  });

  it('hashes names as the first 16 hex characters of their SHA-256 (stable, documented)', () => {
    expect(nameHash('repo-a')).toBe('b41c2aeeb2f1737b');
    expect(nameHash('alice')).toBe('2bd806c97f0e00af');
    const a = new Attribution({ user: 'alice', projectNames: 'hash', userNames: 'hash' });
    expect(a.fields(cwd, 'sess-1')).toEqual({
      project: 'b41c2aeeb2f1737b',
      session_id: 'sess-1',
      user: '2bd806c97f0e00af',
    });
  });

  it('leaves the fields out with off, and whatever is unknown', () => {
    const a = new Attribution({ user: 'alice', projectNames: 'off', userNames: 'off' });
    expect(a.fields(cwd, 'sess-1')).toEqual({ session_id: 'sess-1' });
    expect(new Attribution({ user: 'alice' }).fields(undefined, undefined)).toEqual({ user: 'alice' });
    expect(new Attribution({ user: 'alice' }).fields('', '')).toEqual({ user: 'alice' });
    expect(Attribution.none().fields(cwd, 'sess-1')).toEqual({});
  });

  it('takes the OS user name without --user', () => {
    const os = osUserName();
    expect(os).toBeTruthy();
    expect(new Attribution().fields(undefined, undefined)).toEqual({ user: os });
    expect(new Attribution({ userNames: 'hash' }).fields(undefined, undefined)).toEqual({
      user: nameHash(os ?? ''),
    });
  });

  it('cuts values longer than 200 characters to fit the contract instead of refusing the event', () => {
    const long = `/tmp/${'p'.repeat(300)}`;
    const a = new Attribution({ user: 'u'.repeat(250) });
    const fields = a.fields(long, 's'.repeat(201));
    expect(fields).toEqual({ project: 'p'.repeat(200), session_id: 's'.repeat(200), user: 'u'.repeat(200) });
    const event = {
      id: 'x',
      ts: '2026-01-01T00:00:00Z',
      provider: 'claude',
      model: 'm',
      input_tokens: 1,
      output_tokens: 0,
      cache_read_tokens: 0,
      cache_write_tokens: 0,
      ...fields,
    };
    expect(UsageEvent.safeParse(event).success).toBe(true);
  });
});

describe('fitLabel', () => {
  it('trims, drops NUL, replaces lone surrogates and never splits a character', () => {
    expect(fitLabel('  my-repo \n')).toBe('my-repo');
    expect(fitLabel('a\u0000b')).toBe('ab');
    expect(fitLabel('a\uD800b')).toBe('a\uFFFDb');
    expect(fitLabel(`${'x'.repeat(199)}😀`)).toBe('x'.repeat(199));
    expect(fitLabel(`${'x'.repeat(198)}😀`)).toBe(`${'x'.repeat(198)}😀`);
    expect(fitLabel('   ')).toBeUndefined();
    expect(fitLabel(undefined)).toBeUndefined();
  });
});
