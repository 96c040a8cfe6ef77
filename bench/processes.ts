/**
 * Child processes of the benchmark: every hub, server and load generator runs in its own Node process, spawned
 * through bash so that it can raise its open-files limit first, in its own process group so that stopping it
 * stops everything it started. Every child is registered and stopped on exit, on a signal or on a failure.
 * Our own children speak JSON lines: messages with a `type` on stdout, commands on stdin (see protocol.ts).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { ChildMessage } from './protocol';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface SpawnOptions {
  name: string;
  /** Arguments after `node` (flags, script, script arguments). */
  nodeArgs: string[];
  env?: Record<string, string | undefined>;
}

export interface Child {
  readonly name: string;
  readonly pid: number;
  /** Resolves with the exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
  /** The next message of this type; rejects on timeout, on an `error` message or if the child exits first. */
  next<T extends ChildMessage>(type: T['type'], timeoutMs: number): Promise<T>;
  send(command: object): void;
  /** SIGTERM to the group, SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
  /** The last lines the child wrote on stderr or as plain text on stdout, for error messages. */
  tail(): string;
}

const live = new Set<Child>();
const quote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

export function spawnNode(options: SpawnOptions): Child {
  // The hard limit may be lower than 65536 (containers): then take what the hard limit allows.
  const script = `ulimit -n 65536 2>/dev/null || ulimit -n hard; exec node ${options.nodeArgs.map(quote).join(' ')}`;
  const proc = spawn('bash', ['-c', script], {
    cwd: ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  });
  const lines: string[] = [];
  const keep = (line: string) => {
    lines.push(line);
    if (lines.length > 40) lines.shift();
  };
  const inbox: ChildMessage[] = [];
  const waiters = new Set<() => void>();
  const wake = () => {
    for (const w of [...waiters]) w();
  };
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) => {
    proc.on('exit', (code) => {
      exitCode = code;
      live.delete(child);
      wake();
      resolve(code);
    });
    proc.on('error', (err) => {
      keep(String(err));
      exitCode = -1;
      live.delete(child);
      wake();
      resolve(-1);
    });
  });
  createInterface({ input: proc.stdout! }).on('line', (line) => {
    if (line.startsWith('{')) {
      try {
        const msg = JSON.parse(line) as ChildMessage;
        if (typeof msg.type === 'string') {
          inbox.push(msg);
          wake();
          return;
        }
      } catch {
        // Not one of our messages: kept as text below.
      }
    }
    keep(line);
  });
  createInterface({ input: proc.stderr! }).on('line', keep);
  proc.stdin!.on('error', () => {});

  const child: Child = {
    name: options.name,
    pid: proc.pid ?? -1,
    exited,
    next<T extends ChildMessage>(type: T['type'], timeoutMs: number) {
      return new Promise<T>((resolve, reject) => {
        const check = () => {
          const i = inbox.findIndex((m) => m.type === type || m.type === 'error');
          if (i >= 0) {
            const [msg] = inbox.splice(i, 1);
            done();
            if (msg!.type === 'error') reject(new Error(`${options.name}: ${msg!.message}`));
            else resolve(msg as T);
          } else if (exitCode !== undefined) {
            done();
            reject(new Error(`${options.name} exited (${exitCode}) before "${type}":\n${child.tail()}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`${options.name}: no "${type}" within ${timeoutMs} ms:\n${child.tail()}`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    send(command) {
      if (proc.stdin?.writable) proc.stdin.write(`${JSON.stringify(command)}\n`);
    },
    async stop(graceMs = 10_000) {
      if (exitCode !== undefined) return;
      proc.stdin?.end();
      signalGroup(proc, 'SIGTERM');
      const killer = setTimeout(() => signalGroup(proc, 'SIGKILL'), graceMs);
      await exited;
      clearTimeout(killer);
    },
    tail: () => lines.join('\n'),
  };
  live.add(child);
  return child;
}

/** Stops every child still running (a scenario's `finally`, and the harness on its way out). */
export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((c) => c.stop(5_000)));
}

let guarded = false;
/** Kills what is left if the harness exits or is interrupted, so no child outlives it. */
export function guardChildren(onSignal: () => Promise<void>): void {
  if (guarded) return;
  guarded = true;
  process.on('exit', () => {
    for (const c of live) {
      try {
        process.kill(-c.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      process.stderr.write(`\nbench: ${signal}, cleaning up…\n`);
      void onSignal().finally(() => process.exit(130));
    });
  }
}

/** A port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Resident memory of a process in KB (VmRSS), or null if it is gone. */
export function rssKb(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** CPU seconds (user + system) a process has used so far, or null if it is gone (Linux clock ticks of 1/100 s). */
export function cpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14 and 15 of stat(5), counted from the state field (3) after the command name.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

/** The soft open-files limit of a running process. */
export function openFilesLimit(pid: number): number | null {
  try {
    const m = /Max open files\s+(\d+)/.exec(readFileSync(`/proc/${pid}/limits`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `url` until it answers 200, the child exits, or the time is up. */
export async function waitHttpOk(url: string, child: Child, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void child.exited.then(() => {
    exited = true;
  });
  while (Date.now() < deadline) {
    if (exited) throw new Error(`${child.name} exited while starting:\n${child.tail()}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) return;
    } catch {
      // Not listening yet.
    }
    await sleep(100);
  }
  throw new Error(`${child.name}: ${url} not ready within ${timeoutMs} ms:\n${child.tail()}`);
}

/** Runs `fn` with the children it starts stopped afterwards, whatever happens. */
export async function withChildren<T>(fn: (started: Child[]) => Promise<T>): Promise<T> {
  const started: Child[] = [];
  try {
    return await fn(started);
  } finally {
    await Promise.all(started.map((c) => c.stop()));
  }
}
