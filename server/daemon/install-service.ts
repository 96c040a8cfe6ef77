/**
 * `runtime-hub daemon install-service`: a service that keeps the daemon running for this user — a systemd user
 * unit on Linux, a launchd agent on macOS — started with the absolute node and script paths and the flags given.
 * The token never sits in a world-readable file: on Linux it goes to a 0600 environment file the unit names
 * (EnvironmentFile), on macOS into the agent's plist, written 0600. The daemon reads it from
 * RUNTIME_HUB_DAEMON_TOKEN, so it is not on the command line either (where `ps` would show it).
 */
import { realpathSync } from 'node:fs';
import { chmod, mkdir, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { AttributionOptions } from './attribution';
import { attributionOptions, hubUrl, parse, required, UsageError, withSignals } from './cli';

const USAGE = `Usage: runtime-hub daemon install-service --url <hub> --token <daemon-token> [options]

Writes a service that keeps the daemon running for this user and prints the command that starts it:
  Linux  ~/.config/systemd/user/runtime-hub-daemon.service (Restart=always), the token in
         ~/.config/runtime-hub/daemon.env (mode 0600, EnvironmentFile)
  macOS  ~/Library/LaunchAgents/dev.runtime-hub.daemon.plist (KeepAlive; mode 0600: it holds the token)

Options:
  --url <hub>          hub base URL
  --token <token>      a daemon token of the workspace (default: RUNTIME_HUB_DAEMON_TOKEN)
  --state <file>       the daemon's state file (default: the daemon's default)
  --claude-dir <dirs>  Claude config folder(s), comma-separated, passed on to the daemon
  --codex-dir <dir>    Codex home, passed on to the daemon
  --user <name>, --project-names <m>, --user-names <m>
                       what events say about who and where, passed on to the daemon (see "daemon --help")
  --platform <p>       linux or macos (default: this machine's)
  --print              print the files instead of writing them
  -h, --help           show this help
`;

export const TOKEN_ENV = 'RUNTIME_HUB_DAEMON_TOKEN';
const UNIT_NAME = 'runtime-hub-daemon.service';
const AGENT_LABEL = 'dev.runtime-hub.daemon';

export type ServicePlatform = 'linux' | 'macos';

export interface ServiceOptions {
  platform: ServicePlatform;
  home: string;
  /** Absolute path of the node binary. */
  node: string;
  /** Absolute path of the runtime-hub script. */
  script: string;
  url: string;
  token: string;
  statePath?: string | undefined;
  claudeDir?: string | undefined;
  codexDir?: string | undefined;
  /** Passed on as --user, --project-names and --user-names when given. */
  attribution?: AttributionOptions;
}

export interface ServiceFile {
  path: string;
  text: string;
  mode: number;
}

export interface ServicePlan {
  files: ServiceFile[];
  /** The command that enables and starts the service. */
  enable: string;
}

/** The daemon's command line after the node binary: the script, `daemon` and the flags given (never the token). */
function daemonArgs(o: ServiceOptions): string[] {
  const args = [o.script, 'daemon', '--url', o.url];
  if (o.statePath) args.push('--state', o.statePath);
  if (o.claudeDir) args.push('--claude-dir', o.claudeDir);
  if (o.codexDir) args.push('--codex-dir', o.codexDir);
  const a = o.attribution;
  if (a?.user) args.push('--user', a.user);
  if (a?.projectNames) args.push('--project-names', a.projectNames);
  if (a?.userNames) args.push('--user-names', a.userNames);
  return args;
}

/** systemd expands `%` specifiers and `$` variables in unit values: both are escaped, words are quoted. */
function systemdEscape(value: string): string {
  return value.replaceAll('%', '%%').replaceAll('$', '$$$$');
}

function systemdWord(value: string): string {
  const escaped = systemdEscape(value);
  return /^[\w@+=:,./-]+$/.test(escaped) ? escaped : `"${escaped.replace(/(["\\])/g, '\\$1')}"`;
}

function systemdPlan(o: ServiceOptions): ServicePlan {
  const unitPath = join(o.home, '.config', 'systemd', 'user', UNIT_NAME);
  const envPath = join(o.home, '.config', 'runtime-hub', 'daemon.env');
  const unit = `# Written by "runtime-hub daemon install-service": keeps the runtime-hub daemon running for this user.
[Unit]
Description=${systemdEscape(`Runtime Hub daemon (reports Claude Code and Codex usage to ${o.url})`)}
Wants=network-online.target
After=network-online.target

[Service]
Type=simple
# The daemon token (${TOKEN_ENV}), in a file only this user can read.
EnvironmentFile=${systemdEscape(envPath)}
ExecStart=${[o.node, ...daemonArgs(o)].map(systemdWord).join(' ')}
Restart=always
RestartSec=10
# 2: bad options, 3: the hub refused the token. Restarting cannot help; see "journalctl --user -u ${UNIT_NAME}".
RestartPreventExitStatus=2 3

[Install]
WantedBy=default.target
`;
  const env = `# The daemon token for ${UNIT_NAME} (keep this file private: mode 0600).\n${TOKEN_ENV}=${o.token}\n`;
  return {
    files: [
      { path: envPath, text: env, mode: 0o600 },
      { path: unitPath, text: unit, mode: 0o644 },
    ],
    enable: `systemctl --user daemon-reload && systemctl --user enable --now ${UNIT_NAME}`,
  };
}

function xml(value: string): string {
  return value
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&apos;');
}

function launchdPlan(o: ServiceOptions): ServicePlan {
  const plistPath = join(o.home, 'Library', 'LaunchAgents', `${AGENT_LABEL}.plist`);
  const logPath = join(o.home, 'Library', 'Logs', 'runtime-hub-daemon.log');
  const args = [o.node, ...daemonArgs(o)].map((a) => `    <string>${xml(a)}</string>`).join('\n');
  const plist = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<!-- Written by "runtime-hub daemon install-service". Holds the daemon token: keep it private (mode 0600). -->
<plist version="1.0">
<dict>
  <key>Label</key>
  <string>${AGENT_LABEL}</string>
  <key>ProgramArguments</key>
  <array>
${args}
  </array>
  <key>EnvironmentVariables</key>
  <dict>
    <key>${TOKEN_ENV}</key>
    <string>${xml(o.token)}</string>
  </dict>
  <key>RunAtLoad</key>
  <true/>
  <key>KeepAlive</key>
  <true/>
  <key>ThrottleInterval</key>
  <integer>10</integer>
  <key>StandardErrorPath</key>
  <string>${xml(logPath)}</string>
</dict>
</plist>
`;
  return {
    files: [{ path: plistPath, text: plist, mode: 0o600 }],
    enable: `launchctl load -w ${plistPath}`,
  };
}

/** The files to write and the command that starts the service. */
export function servicePlan(o: ServiceOptions): ServicePlan {
  return o.platform === 'linux' ? systemdPlan(o) : launchdPlan(o);
}

/** Writes each file through a fresh temp file created with its mode: a secret is never readable, even briefly. */
export async function writeServiceFiles(plan: ServicePlan): Promise<void> {
  for (const f of plan.files) {
    await mkdir(dirname(f.path), { recursive: true, mode: 0o700 });
    const tmp = `${f.path}.${process.pid}.tmp`;
    await writeFile(tmp, f.text, { mode: f.mode, flag: 'wx' });
    await chmod(tmp, f.mode); // the umask may have taken bits off
    await rename(tmp, f.path);
  }
}

function thisPlatform(value: string | boolean | undefined): ServicePlatform {
  const p = typeof value === 'string' ? value : process.platform === 'darwin' ? 'macos' : process.platform;
  if (p === 'linux' || p === 'macos') return p;
  throw new UsageError(`install-service supports linux (systemd) and macos (launchd), not ${p}`);
}

/** A token goes into an env file or a plist: anything but a plain token could inject a line or break quoting. */
function serviceToken(value: string | boolean | undefined): string {
  const token = required(value, '--token');
  if (!/^[\w.~+/=-]+$/.test(token)) throw new UsageError('--token has characters a daemon token never has');
  return token;
}

const absolute = (list: string) =>
  list
    .split(',')
    .map((d) => d.trim())
    .filter(Boolean)
    .map((d) => resolve(d))
    .join(',');

export async function installServiceCommand(argv: string[]): Promise<number> {
  return withSignals(async () => {
    const v = parse('daemon install-service', argv, {
      url: { type: 'string' },
      token: { type: 'string' },
      state: { type: 'string' },
      'claude-dir': { type: 'string' },
      'codex-dir': { type: 'string' },
      platform: { type: 'string' },
      print: { type: 'boolean' },
      user: { type: 'string' },
      'project-names': { type: 'string' },
      'user-names': { type: 'string' },
    });
    if (v.help) {
      process.stdout.write(USAGE);
      return 0;
    }
    const str = (x: string | boolean | undefined) =>
      typeof x === 'string' && x.trim() ? x.trim() : undefined;
    const plan = servicePlan({
      platform: thisPlatform(v.platform),
      home: homedir(),
      node: process.execPath,
      script: realpathSync(process.argv[1] ?? ''),
      url: hubUrl(v.url),
      token: serviceToken(v.token ?? process.env[TOKEN_ENV]),
      statePath: str(v.state) && resolve(str(v.state) ?? ''),
      claudeDir: str(v['claude-dir']) && absolute(str(v['claude-dir']) ?? ''),
      codexDir: str(v['codex-dir']) && resolve(str(v['codex-dir']) ?? ''),
      attribution: attributionOptions(v),
    });
    if (v.print) {
      for (const f of plan.files)
        process.stdout.write(`# ${f.path} (mode 0${f.mode.toString(8)})\n${f.text}\n`);
      process.stdout.write(`# then start it with:\n${plan.enable}\n`);
      return 0;
    }
    await writeServiceFiles(plan);
    for (const f of plan.files) process.stdout.write(`wrote ${f.path} (mode 0${f.mode.toString(8)})\n`);
    process.stdout.write(`start it now and at every login with:\n  ${plan.enable}\n`);
    if (plan.files.some((f) => f.text.includes('/_npx/')))
      process.stderr.write(
        'warning: the service runs runtime-hub from npx’s cache, which npm may clean; install the package ' +
          '(npm install -g runtime-hub) and run install-service from there\n',
      );
    return 0;
  });
}
