/**
 * `runtime-hub <command>`: dispatches to the hub, admin, daemon and simulator commands. Results go to stdout as
 * one JSON object; logs and errors go to stderr, errors with a non-zero exit (2 for a mistake in the call).
 * Commands load their modules on demand: the daemon on a developer's laptop need not load the hub, and
 * `--help` or a typo need not load anything.
 */
import { COMMAND_HELP, GLOBAL_HELP } from './help';
import { UsageError } from './usage-error';

const HUB_COMMANDS = Object.keys(COMMAND_HELP);

/** The environment with `serve`'s flags applied over it (flags win), and the flags that were given. */
async function serveEnvironment(args: string[]): Promise<NodeJS.ProcessEnv> {
  const { parseFlags } = await import('./args');
  const { values } = parseFlags('serve', args, {
    port: { type: 'string' },
    host: { type: 'string' },
    'data-dir': { type: 'string' },
  });
  const env = { ...process.env };
  if (values.port !== undefined) env.PORT = values.port;
  if (values.host !== undefined) env.HOST = values.host;
  if (values['data-dir'] !== undefined) env.DATA_DIR = values['data-dir'];
  return env;
}

async function run(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(GLOBAL_HELP);
    return command ? 0 : 2;
  }
  if (command === '--version' || command === '-v' || command === 'version') {
    process.stdout.write(`${(await import('../version')).VERSION}\n`);
    return 0;
  }
  if (command === 'daemon') return (await import('../daemon/cli')).daemonCommand(args);
  if (command === 'simulate') return (await import('../daemon/cli')).simulateCommand(args);
  if (!HUB_COMMANDS.includes(command)) {
    const { nearestFlag } = await import('./args');
    const near = nearestFlag(command, [...HUB_COMMANDS, 'daemon', 'simulate']);
    throw new UsageError(
      `unknown command "${command}"${near ? `; did you mean "${near}"?` : ''} (see "runtime-hub --help")`,
    );
  }
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(COMMAND_HELP[command]!);
    return 0;
  }
  const { loadConfig } = await import('../config');
  if (command === 'serve') return (await import('./serve')).serve(loadConfig(await serveEnvironment(args)));
  const config = loadConfig();
  switch (command) {
    case 'demo':
      (await import('./args')).parseFlags('demo', args, {});
      return (await import('./demo')).demoCommand(config);
    case 'migrate':
      return (await import('./admin')).migrateCommand(config, args);
    case 'workspace':
      return (await import('./admin')).workspaceCommand(config, args);
    case 'token':
      return (await import('./admin')).tokenCommand(config, args);
    case 'reprice':
      return (await import('./reprice')).repriceCommand(config, args);
    default:
      return (await import('./admin')).linkCommandLine(config, args);
  }
}

/** Errors that are the caller's to fix: one line, exit 2. Anything else is a fault: its stack, exit 1. */
async function isCallersMistake(err: unknown): Promise<boolean> {
  if (err instanceof UsageError) return true;
  const [{ ConfigError }, { EmbeddedInUseError }] = await Promise.all([
    import('../config'),
    import('../store/embedded-lock'),
  ]);
  return err instanceof ConfigError || err instanceof EmbeddedInUseError;
}

try {
  process.exitCode = await run(process.argv.slice(2));
} catch (err) {
  const known = await isCallersMistake(err);
  process.stderr.write(
    `runtime-hub: ${known ? (err as Error).message : String((err as Error)?.stack ?? err)}\n`,
  );
  process.exitCode = known ? 2 : 1;
}
