/** The help texts of the hub-side commands (the daemon and the simulator keep theirs in daemon/cli.ts). */

const ENVIRONMENT = `Environment: PORT (3000), HOST (127.0.0.1), DATABASE_URL (unset: embedded Postgres in DATA_DIR),
DATA_DIR (./data), REDIS_URL (unset: single node), LOG_LEVEL (info). See README.md for the rest.`;

export const GLOBAL_HELP = `runtime-hub — real-time hub for coding-agent token usage

Usage: runtime-hub <command> [options]

Hub:
  serve [--port N] [--host H] [--data-dir D]
                                          run the hub (HTTP + Socket.IO); migrations run at start
  migrate                                 apply database migrations and exit
  workspace create <name>                 → {"id","name"}
  workspace list                          → {"workspaces":[{"id","name","created_at"}]}
  token create --workspace <id> --role member|daemon [--name <label>]
                                          → {"id","token","role","workspace_id"} (the token is shown once)
  token list [--workspace <id>]           → {"tokens":[…]} (never the secrets)
  token revoke <token-id>                 → {"id","revoked":true}
  link [--workspace <id>]                 a new member token and its dashboard link (also while a hub runs)
  reprice [--since YYYY-MM-DD]            recompute stored costs after the prices or PRICING_FILE changed

Agents:
  daemon --url <hub> --token <daemon-token> [--claude-dir D] [--codex-dir D] [--state FILE] [--once]
                                          report this machine's Claude Code and Codex usage
  daemon install-service --url <hub> --token <daemon-token> [--print]
                                          a systemd user unit / launchd agent that keeps the daemon running
  simulate --url <hub> --token <daemon-token> [--runtimes N] [--rate EVENTS_PER_S] [--duration S]
                                          synthetic daemons for demos and load
  demo                                    an embedded hub plus a simulator: live charts at once

  --version                               print the version
  <command> --help                        a command's options

${ENVIRONMENT}
`;

const ADMIN_NOTE = `Works on the database directly: DATABASE_URL, else the embedded database in DATA_DIR (which must not be
in use by a running hub; "runtime-hub link" is the one command that goes through a running hub).`;

export const COMMAND_HELP: Record<string, string> = {
  serve: `Usage: runtime-hub serve [--port N] [--host H] [--data-dir D]

Runs the hub: HTTP API, dashboard and Socket.IO on one port. Migrations run at start. On an empty database the
first start creates the workspace "default" with a member and a daemon token and prints the dashboard link.
Every start prints the address it serves; Ctrl-C (SIGINT) or SIGTERM drains and stops.

Options (each overrides its environment variable):
  --port <n>           port to listen on (PORT, default 3000; 0 = any free port)
  --host <address>     address to bind (HOST, default 127.0.0.1; 0.0.0.0 for every interface)
  --data-dir <dir>     folder of the embedded database (DATA_DIR, default ./data; unused with DATABASE_URL)
  -h, --help           show this help

${ENVIRONMENT}
`,
  migrate: `Usage: runtime-hub migrate

Applies the database migrations that are not applied yet and prints {"applied":[…file names]}.
${ADMIN_NOTE}
`,
  workspace: `Usage: runtime-hub workspace create <name>
       runtime-hub workspace list

create  makes a workspace and prints {"id","name"}; then make its tokens with "runtime-hub token create".
list    prints {"workspaces":[{"id","name","created_at"}]}.
${ADMIN_NOTE}
`,
  token: `Usage: runtime-hub token create --workspace <id> --role member|daemon [--name <label>]
       runtime-hub token list [--workspace <id>]
       runtime-hub token revoke <token-id>

create  prints {"id","token","role","workspace_id"}; the token is shown once (only its hash is stored).
        A member token opens the dashboard; a daemon token lets a daemon report.
list    prints {"tokens":[{"id","workspace_id","role","name","created_at","revoked_at"}]}, never the secrets.
revoke  prints {"id","revoked":true}; REST refuses the token at once and its sockets close within 5 s.
${ADMIN_NOTE}
`,
  link: `Usage: runtime-hub link [--workspace <id>]

Makes a new member token and prints {"id","token","role","workspace_id","link"}, where link is the dashboard
address with the token (http://HOST:PORT/#token=…). Without --workspace it uses the only workspace there is.
While a hub runs on the embedded database in DATA_DIR, the token is made by that hub (through a loopback
channel only a user who can read DATA_DIR can use) and the link is its address.

Options:
  --workspace <id>     the workspace of the new token
  -h, --help           show this help
`,
  reprice: `Usage: runtime-hub reprice [--since YYYY-MM-DD]

Recomputes the stored cost of every usage event and daily total from --since on (default: all) with the price
database, PRICING_FILE and the model aliases as they are now, and prints {"since", …counts}. Exact and idempotent:
a second run changes nothing. Restart the hubs first after changing PRICING_FILE, so new events are priced alike.
${ADMIN_NOTE}
`,
  demo: `Usage: runtime-hub demo

Starts an embedded hub in a throwaway data folder (PORT and HOST apply) plus simulated daemons, and prints the
dashboard link: live charts without any agent logs. Ctrl-C stops both and deletes the folder.
`,
};
