/**
 * `runtime-hub <command>`: dispatches to the hub, admin, daemon and simulator commands. Results go to stdout as
 * one JSON object; logs and errors go to stderr, errors with a non-zero exit.
 */
import { ConfigError, loadConfig } from '../config';
import { EmbeddedInUseError } from '../store/embedded-lock';
import { UsageError } from './usage-error';

const HELP = `runtime-hub — real-time hub for coding-agent token usage

Usage: runtime-hub <command> [options]

Hub:
  serve                                   run the hub (HTTP + Socket.IO); migrations run at start
  migrate                                 apply database migrations and exit
  workspace create <name>                 → {"id","name"}
  token create --workspace <id> --role member|daemon [--name <label>]
                                          → {"id","token","role","workspace_id"} (the token is shown once)
  token revoke <token-id>                 → {"id","revoked":true}

Agents:
  daemon --url <hub> --token <daemon-token> [--claude-dir D] [--codex-dir D] [--state FILE] [--once]
                                          report this machine's Claude Code and Codex usage
  simulate --url <hub> --token <daemon-token> [--runtimes N] [--rate EVENTS_PER_S] [--duration S]
                                          synthetic daemons for demos and load
  demo                                    an embedded hub plus a simulator: live charts at once

Environment: PORT (3000), HOST (127.0.0.1), DATABASE_URL (unset: embedded Postgres in DATA_DIR),
DATA_DIR (./data), REDIS_URL (unset: single node), LOG_LEVEL (info). See README.md for the rest.
Run "runtime-hub <command> --help" for a command's options.
`;

async function run(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(HELP);
    return command ? 0 : 2;
  }
  // Commands load their modules on demand: the daemon on a developer's laptop need not load the hub.
  if (command === 'daemon') return (await import('../daemon/cli')).daemonCommand(args);
  if (command === 'simulate') return (await import('../daemon/cli')).simulateCommand(args);
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(HELP);
    return 0;
  }
  const config = loadConfig();
  switch (command) {
    case 'serve':
      return (await import('./serve')).serve(config);
    case 'demo':
      return (await import('./demo')).demoCommand(config);
    case 'migrate':
      return (await import('./admin')).migrateCommand(config);
    case 'workspace':
      return (await import('./admin')).workspaceCommand(config, args);
    case 'token':
      return (await import('./admin')).tokenCommand(config, args);
    case 'reprice':
      return (await import('./reprice')).repriceCommand(config, args);
    default:
      throw new UsageError(`unknown command "${command}"; run "runtime-hub --help"`);
  }
}

try {
  process.exitCode = await run(process.argv.slice(2));
} catch (err) {
  const known = err instanceof ConfigError || err instanceof UsageError || err instanceof EmbeddedInUseError;
  process.stderr.write(
    `runtime-hub: ${known ? (err as Error).message : String((err as Error)?.stack ?? err)}\n`,
  );
  process.exitCode = known ? 2 : 1;
}
