/**
 * The hello payload: this machine, and one runtime per provider that has logs (or data still to send), with
 * the scan counters and daemon version as runtime metadata.
 */
import { readFileSync } from 'node:fs';
import { arch, hostname, platform, release } from 'node:os';
import type { HelloPayload } from '../../shared/schemas';
import type { ScanCounters } from './counts';

function readVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version?: unknown;
    };
    return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}

export const DAEMON_VERSION = readVersion();

export function deviceInfo(): string {
  return `${hostname()} (${platform()} ${release()}; ${arch()})`.slice(0, 500);
}

export function buildHello(
  daemonId: string,
  providers: string[],
  counters: (provider: string) => ScanCounters | undefined,
): HelloPayload | null {
  if (providers.length === 0) return null;
  const host = hostname();
  return {
    daemon_id: daemonId,
    device_info: deviceInfo(),
    runtimes: [...providers].sort().map((provider) => ({
      provider,
      name: `${provider}@${host}`.slice(0, 200),
      runtime_mode: 'local' as const,
      metadata: { scan: { ...(counters(provider) ?? {}) }, version: DAEMON_VERSION },
    })),
  };
}
