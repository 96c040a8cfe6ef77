/**
 * `runtime-hub daemon` and `runtime-hub simulate`: argument parsing and process wiring (signals, exit codes,
 * the one JSON result on stdout). Everything else lives in daemon.ts and simulate.ts, loaded only once the
 * options are valid, so `--help` and a typo answer at once.
 */
import { type FlagSpec, parseFlags } from '../cli/args';
import { UsageError } from '../cli/usage-error';
import {
  type AttributionOptions,
  PROJECT_NAME_MODES,
  type ProjectNameMode,
  USER_NAME_MODES,
  type UserNameMode,
} from './attribution';
import type { DaemonFailure } from './daemon';
import { defaultStatePath } from './state-path';

export { UsageError };

const DAEMON_USAGE = `Usage: runtime-hub daemon --url <hub> --token <daemon-token> [options]
       runtime-hub daemon install-service --url <hub> --token <daemon-token> [--state FILE] [--print]

Reads Claude Code and Codex logs on this machine and reports exact token usage and sessions to the hub.

Options:
  --url <hub>          hub base URL, e.g. http://127.0.0.1:3000
  --token <token>      a daemon token of the workspace (default: RUNTIME_HUB_DAEMON_TOKEN)
  --claude-dir <dirs>  Claude config folder(s), comma-separated (default: CLAUDE_CONFIG_DIR, else ~/.claude and ~/.config/claude)
  --codex-dir <dir>    Codex home (default: CODEX_HOME, else ~/.codex)
  --state <file>       state file (default: ${defaultStatePath()})
  --once               scan, report, wait for every ack (60 s at most) and exit; prints a JSON result
  --retry-refused      send the items the hub refused earlier (kept in the state file) again
  --user <name>        the user each event names (default: the OS user name)
  --project-names <m>  basename (default): the git repository's folder name of the session's working directory;
                       hash: the first 16 hex characters of its SHA-256; off: no project sent
  --user-names <m>     name (default), hash (SHA-256, first 16 hex characters) or off: no user sent
  -h, --help           show this help

Without --once it follows the logs until SIGINT/SIGTERM. Data not yet acknowledged is kept in the state file
and sent after a restart or reconnect; items the hub refuses are kept aside there ("refused") and reported.
No logs found is a warning naming the folders looked in. Logs: JSON on stderr (LOG_LEVEL).
install-service writes a systemd user unit (Linux) or a launchd agent (macOS) that keeps the daemon running;
see "runtime-hub daemon install-service --help".

Exit status:
  0  done (with --once: the hub acknowledged the daemon and everything read)
  1  not everything acknowledged (still pending, or refused by the hub and kept aside)
  2  bad options
  3  the hub refused the token (at once)
  4  the hub was never reached (the error names the URL and the reason)
`;

const SIMULATE_USAGE = `Usage: runtime-hub simulate --url <hub> --token <daemon-token> [options]

Runs synthetic daemons for demos and load; prints a JSON result when done.

Options:
  --url <hub>          hub base URL
  --token <token>      a daemon token of the workspace
  --runtimes <n>       synthetic runtimes, each its own daemon (default 3)
  --rate <n>           events per second over all runtimes at the daily peak (default 5)
  --duration <s>       seconds to run, 0 = until interrupted (default 60)
  -h, --help           show this help
`;

/** The exit status of each way a daemon run can fail (documented in its --help). */
const EXIT_CODES: Record<DaemonFailure, number> = { unacknowledged: 1, unauthorized: 3, unreachable: 4 };

export function parse<T extends FlagSpec>(command: string, argv: string[], options: T) {
  return parseFlags(command, argv, options).values;
}

export function required(value: string | boolean | undefined, flag: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw new UsageError(`${flag} is required`);
  return value.trim();
}

export function hubUrl(value: string | boolean | undefined): string {
  const url = required(value, '--url');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`--url is not a URL: ${url}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new UsageError('--url must be http(s)');
  return url;
}

function number(
  value: string | boolean | undefined,
  flag: string,
  fallback: number,
  min: number,
  max: number,
) {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (typeof value !== 'string' || value.trim() === '' || !Number.isFinite(n) || n < min || n > max)
    throw new UsageError(`${flag} must be a number from ${min} to ${max}`);
  return n;
}

function choice<T extends string>(value: string | boolean | undefined, flag: string, modes: readonly T[]) {
  if (value === undefined) return undefined;
  const mode = typeof value === 'string' ? value.trim() : '';
  if (!(modes as readonly string[]).includes(mode))
    throw new UsageError(`${flag} must be one of ${modes.join(', ')} (got "${String(value)}")`);
  return mode as T;
}

/** `--user`, `--project-names`, `--user-names`, checked (a bad value is a usage error, exit 2). */
export function attributionOptions(v: Record<string, string | boolean | undefined>): AttributionOptions {
  const user = v.user;
  if (user !== undefined && (typeof user !== 'string' || user.trim() === ''))
    throw new UsageError('--user must be a name');
  return {
    ...(typeof user === 'string' ? { user: user.trim() } : {}),
    projectNames: choice<ProjectNameMode>(v['project-names'], '--project-names', PROJECT_NAME_MODES),
    userNames: choice<UserNameMode>(v['user-names'], '--user-names', USER_NAME_MODES),
  };
}

/** Runs `fn` with SIGINT/SIGTERM wired to an abort signal; maps usage errors to exit code 2. */
export async function withSignals(fn: (signal: AbortSignal) => Promise<number>): Promise<number> {
  const ac = new AbortController();
  const onSignal = () => ac.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await fn(ac.signal);
  } catch (err) {
    if (err instanceof UsageError) {
      // One line: the mistake and where the options are; the whole usage would bury it.
      process.stderr.write(`runtime-hub: ${err.message}\n`);
      return 2;
    }
    process.stderr.write(`error: ${(err as Error).message}\n`);
    return 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

export async function daemonCommand(argv: string[]): Promise<number> {
  if (argv[0] === 'install-service')
    return (await import('./install-service')).installServiceCommand(argv.slice(1));
  return withSignals(async (signal) => {
    const v = parse('daemon', argv, {
      url: { type: 'string' },
      token: { type: 'string' },
      'claude-dir': { type: 'string' },
      'codex-dir': { type: 'string' },
      state: { type: 'string' },
      once: { type: 'boolean' },
      'retry-refused': { type: 'boolean' },
      user: { type: 'string' },
      'project-names': { type: 'string' },
      'user-names': { type: 'string' },
    });
    if (v.help) {
      process.stdout.write(DAEMON_USAGE);
      return 0;
    }
    const once = v.once === true;
    const attribution = attributionOptions(v);
    const [{ runDaemon }, { createLogger }] = await Promise.all([import('./daemon'), import('./log')]);
    const result = await runDaemon({
      url: hubUrl(v.url),
      token: required(v.token ?? process.env.RUNTIME_HUB_DAEMON_TOKEN, '--token'),
      claudeDir: typeof v['claude-dir'] === 'string' ? v['claude-dir'] : undefined,
      codexDir: typeof v['codex-dir'] === 'string' ? v['codex-dir'] : undefined,
      statePath: typeof v.state === 'string' && v.state.trim() ? v.state.trim() : defaultStatePath(),
      once,
      retryRefused: v['retry-refused'] === true,
      attribution,
      log: createLogger(),
      signal,
    });
    if (once) process.stdout.write(`${JSON.stringify(result)}\n`);
    if (result.error && !once) process.stderr.write(`error: ${result.error}\n`);
    return result.failure ? EXIT_CODES[result.failure] : 0;
  });
}

export async function simulateCommand(argv: string[]): Promise<number> {
  return withSignals(async (signal) => {
    const v = parse('simulate', argv, {
      url: { type: 'string' },
      token: { type: 'string' },
      runtimes: { type: 'string' },
      rate: { type: 'string' },
      duration: { type: 'string' },
    });
    if (v.help) {
      process.stdout.write(SIMULATE_USAGE);
      return 0;
    }
    const [{ runSimulation }, { createLogger }] = await Promise.all([import('./simulate'), import('./log')]);
    const result = await runSimulation({
      url: hubUrl(v.url),
      token: required(v.token, '--token'),
      runtimes: Math.floor(number(v.runtimes, '--runtimes', 3, 1, 1000)),
      rate: number(v.rate, '--rate', 5, 0, 100_000),
      durationS: number(v.duration, '--duration', 60, 0, 86_400 * 365),
      log: createLogger(),
      signal,
    });
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return result.ok ? 0 : 1;
  });
}
