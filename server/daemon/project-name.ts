/**
 * The project of a session: the name of the git top-level folder of its working directory, found by walking up
 * from the cwd to the first folder holding a `.git` — a folder in a plain clone, a file in a worktree or a
 * submodule — so no git binary is needed. Outside a repository it is the folder's own name; a cwd that no longer
 * exists (a deleted worktree, a temp folder) is its own name too, as nothing on disk can say more.
 *
 * The lookup reads the disk synchronously (the line readers call it from their per-line callback), at most a few
 * stats per distinct cwd: results are kept in a bounded cache, as a long-lived daemon sees every folder its user
 * ever worked in.
 */
import { statSync } from 'node:fs';
import { basename, dirname, isAbsolute, resolve } from 'node:path';
import { LruCache } from '../../shared/lru-cache';

/** Distinct working directories remembered; a miss costs only a few stats. */
const CACHE_CAPACITY = 2000;

/** The last segment of a path, ignoring trailing separators; the path itself for a root. */
function lastSegment(path: string): string {
  return basename(path) || path;
}

function isFolder(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isDirectory() === true;
}

/** True when `dir/.git` is a folder or a file (worktree, submodule: `gitdir: …`). */
function hasGit(dir: string): boolean {
  const st = statSync(resolve(dir, '.git'), { throwIfNoEntry: false });
  return st !== undefined && (st.isDirectory() || st.isFile());
}

/** The project folder name for `cwd`, read from the disk (no cache). */
export function findProjectName(cwd: string): string {
  // A relative path says nothing about where it is (it would be read against the daemon's own folder).
  if (!isAbsolute(cwd)) return lastSegment(cwd);
  const start = resolve(cwd);
  try {
    if (!isFolder(start)) return lastSegment(start);
    for (let dir = start; ; dir = dirname(dir)) {
      if (hasGit(dir)) return lastSegment(dir);
      if (dirname(dir) === dir) return lastSegment(start);
    }
  } catch {
    // Unreadable on the way up (permissions, a loop): the folder's own name is still true.
    return lastSegment(start);
  }
}

/** `findProjectName` behind a bounded cache, one per daemon run. */
export class ProjectNames {
  private readonly cache = new LruCache<string, string>({ capacity: CACHE_CAPACITY });

  constructor(private readonly find: (cwd: string) => string = findProjectName) {}

  of(cwd: string): string {
    let name = this.cache.get(cwd);
    if (name === undefined) {
      name = this.find(cwd);
      this.cache.set(cwd, name);
    }
    return name;
  }
}
