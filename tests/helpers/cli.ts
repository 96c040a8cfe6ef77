/**
 * Runs the real CLI (`bin/runtime-hub.js`) as a child process, as a user would. It runs the TypeScript sources
 * (RUNTIME_HUB_FROM_SOURCE=1), like every other test, so a stale dist/ never decides a result; the compiled
 * package has its own test (tests/integration/package-install.test.ts).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../bin/runtime-hub.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Env for a child: ours minus the hub's variables, plus `env`. */
export function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const base = { ...process.env };
  for (const k of ['DATABASE_URL', 'REDIS_URL', 'PORT', 'HOST', 'DATA_DIR']) delete base[k];
  return { ...base, LOG_LEVEL: 'warn', RUNTIME_HUB_FROM_SOURCE: '1', ...env };
}

export function runCli(
  args: string[],
  env: Record<string, string>,
  timeoutMs = 60_000,
  cli = CLI,
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { env: childEnv(env) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`runtime-hub ${args.join(' ')} timed out\n${stderr}`));
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Starts `runtime-hub serve`; resolves once its stdout/stderr matches `ready`. */
export function startServe(
  env: Record<string, string>,
  ready: RegExp,
  cli = CLI,
  args: string[] = [],
): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(process.execPath, [cli, 'serve', ...args], {
    env: childEnv({ LOG_LEVEL: 'info', ...env }),
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start:\n${output}`)), 60_000);
    const onData = (d: Buffer) => {
      output += d;
      if (ready.test(output)) {
        clearTimeout(timer);
        resolve({ child, output: () => output });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`serve exited ${code}:\n${output}`)));
  });
}

export function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
}
