/**
 * A folder of real repositories for the attribution tests: a clone with a `.git` folder and nested subfolders, a
 * worktree and a submodule whose `.git` is a file, a plain folder, and a repository inside a plain folder.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../fixtures/daemon/builders';

export function repositories(): { root: string; at: (...p: string[]) => string } {
  const root = tempDir('rh-attr-');
  const at = (...p: string[]) => join(root, ...p);
  const dir = (...p: string[]) => mkdirSync(at(...p), { recursive: true });
  dir('repo-a', '.git', 'objects');
  dir('repo-a', 'src', 'deep', 'er');
  dir('repo-a-feature');
  writeFileSync(at('repo-a-feature', '.git'), `gitdir: ${at('repo-a/.git/worktrees/feature')}\n`);
  dir('repo-a', 'vendor', 'lib', 'inner');
  writeFileSync(at('repo-a', 'vendor', 'lib', '.git'), 'gitdir: ../../.git/modules/lib\n');
  dir('scratch', 'notes');
  dir('scratch', 'repo-b', '.git');
  dir('scratch', 'repo-b', 'pkg');
  return { root, at };
}
