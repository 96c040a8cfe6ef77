/**
 * Where the agent logs live: the Claude Code config folders and the Codex home, and the JSONL files under them.
 * Folders are resolved to their real paths so a symlinked `~/.config/claude` → `~/.claude` is read once.
 */
import type { Dirent } from 'node:fs';
import { opendir, realpath, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

export type ProviderName = 'claude' | 'codex';

export interface LogRoot {
  provider: ProviderName;
  /**
   * The folder holding the JSONL tree (`<claude dir>/projects`, `<codex home>/sessions`, and
   * `<codex home>/archived_sessions`, where Codex moves the rollouts a user archives).
   */
  dir: string;
}

export interface RootOptions {
  claudeDir?: string | undefined;
  codexDir?: string | undefined;
  env?: NodeJS.ProcessEnv;
  home?: string;
}

function splitList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** The Claude config folders, in the order of the contract: flag, CLAUDE_CONFIG_DIR, then both defaults. */
export function claudeConfigDirs(opts: RootOptions): string[] {
  const env = opts.env ?? process.env;
  const home = opts.home ?? homedir();
  const flag = splitList(opts.claudeDir);
  if (flag.length > 0) return flag;
  const fromEnv = splitList(env.CLAUDE_CONFIG_DIR);
  if (fromEnv.length > 0) return fromEnv;
  return [join(home, '.claude'), join(home, '.config', 'claude')];
}

/** The Codex home: flag, CODEX_HOME, then `~/.codex`. */
export function codexHome(opts: RootOptions): string {
  const env = opts.env ?? process.env;
  const fromEnv = env.CODEX_HOME?.trim();
  if (opts.codexDir?.trim()) return opts.codexDir.trim();
  if (fromEnv) return fromEnv;
  return join(opts.home ?? homedir(), '.codex');
}

async function existingDir(path: string): Promise<string | null> {
  try {
    const real = await realpath(path);
    return (await stat(real)).isDirectory() ? real : null;
  } catch {
    return null;
  }
}

/** The log roots that exist on this machine, de-duplicated by real path. */
export async function resolveRoots(opts: RootOptions): Promise<LogRoot[]> {
  const roots: LogRoot[] = [];
  const seen = new Set<string>();
  const candidates: LogRoot[] = [
    ...claudeConfigDirs(opts).map((d) => ({ provider: 'claude' as const, dir: join(d, 'projects') })),
    { provider: 'codex', dir: join(codexHome(opts), 'sessions') },
    { provider: 'codex', dir: join(codexHome(opts), 'archived_sessions') },
  ];
  for (const c of candidates) {
    const real = await existingDir(c.dir);
    if (real && !seen.has(real)) {
      seen.add(real);
      roots.push({ provider: c.provider, dir: real });
    }
  }
  return roots;
}

const MAX_DEPTH = 12;

/**
 * Every `*.jsonl` file under `dir`, sorted by path. Codex names its rollouts by date and time
 * (`YYYY/MM/DD/rollout-<time>-<id>.jsonl`), so path order is creation order: a parent session is read before
 * the forks that replay it. Symlinked entries are not followed (no loops).
 */
export async function listJsonl(dir: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(d: string, depth: number): Promise<void> {
    if (depth > MAX_DEPTH) return;
    let entries: Dirent[];
    try {
      entries = [];
      for await (const e of await opendir(d)) entries.push(e);
    } catch {
      return; // vanished or unreadable: the next discovery tries again
    }
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p, depth + 1);
      else if (e.isFile() && e.name.endsWith('.jsonl')) out.push(p);
    }
  }
  await walk(dir, 0);
  return out.sort();
}
