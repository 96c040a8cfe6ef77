/**
 * Starts a hub node the way users run it — `node bin/runtime-hub.js serve` with DATABASE_URL, REDIS_URL, PORT
 * and LOG_LEVEL=warn — in its own process, and our other child processes (servers, load generators). With a
 * profile directory, the hub runs under `--cpu-prof` and writes its profile there when it stops.
 */
import { type Child, freePort, spawnNode, waitHttpOk } from './processes';

export interface HubNode {
  url: string;
  port: number;
  child: Child;
}

export interface HubEnv {
  databaseUrl: string;
  redisUrl?: string;
  /** Extra hub configuration (for example DAEMON_RATE_PER_S). */
  env?: Record<string, string>;
  profileDir?: string;
  name?: string;
  /** Node or V8 flags of the hub process (for example --trace-gc), before the script. */
  nodeArgs?: string[];
  /** The CLI to run (default this tree's bin/runtime-hub.js): another build's, for an A/B. */
  script?: string;
}

export async function startHub(o: HubEnv): Promise<HubNode> {
  const port = await freePort();
  const child = spawnNode({
    name: o.name ?? `hub:${port}`,
    nodeArgs: [
      ...(o.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${o.profileDir}`] : []),
      ...(o.nodeArgs ?? []),
      o.script ?? 'bin/runtime-hub.js',
      'serve',
    ],
    env: {
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: o.databaseUrl,
      REDIS_URL: o.redisUrl ?? '',
      LOG_LEVEL: 'warn',
      ...o.env,
    },
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitHttpOk(`${url}/readyz`, child, 60_000);
  } catch (err) {
    await child.stop();
    throw err;
  }
  return { url, port, child };
}

/** Spawns one of bench/'s own processes (a .ts entry run with tsx) with its configuration. */
export function spawnBenchChild(name: string, script: string, config: object): Child {
  return spawnNode({ name, nodeArgs: ['--import', 'tsx', `bench/${script}`, JSON.stringify(config)] });
}

/** A bench server process (bare or seed) listening on a free port. */
export async function startBenchServer(
  name: string,
  script: string,
  config: Record<string, unknown>,
): Promise<{ url: string; child: Child }> {
  const port = await freePort();
  const child = spawnBenchChild(name, script, { ...config, port });
  try {
    await child.next('listening', 60_000);
  } catch (err) {
    await child.stop();
    throw err;
  }
  return { url: `http://127.0.0.1:${port}`, child };
}
