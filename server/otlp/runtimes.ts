/**
 * Telemetry gets runtimes like daemons do: one per (daemon token, provider, host), registered through the same
 * `hello` as a daemon's, with a daemon id derived from the token and the host so every export of that machine
 * lands on the same runtime, and kept online by each export (the REST `seen` path; the presence sweeper takes it
 * offline after PRESENCE_TIMEOUT_MS without one).
 */
import { createHash } from 'node:crypto';
import { LruCache } from '../../shared';
import type { Caller } from '../ingest/changes';
import type { IngestService } from '../ingest/service';
import type { TelemetrySource } from './map';

/** Presence owner of telemetry runtimes: the REST one, so the sweeper treats them as it treats REST daemons. */
const PRESENCE_OWNER = 'rest';

/** A uuid (version 5 layout) from a SHA-256 of the parts: the same machine always gets the same daemon id. */
export function derivedDaemonId(...parts: string[]): string {
  const hex = createHash('sha256').update(parts.join('\u0000')).digest('hex');
  const variant = ((Number.parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export class TelemetryRuntimes {
  /** (token, provider, host) → runtime id, so an export does one hello per machine and process, not one per call. */
  private readonly known = new LruCache<string, string>({ capacity: 10_000 });

  constructor(private readonly ingest: IngestService) {}

  async runtimeOf(caller: Caller, tokenId: string, source: TelemetrySource): Promise<string> {
    const key = [tokenId, source.provider, source.host].join('\u0000');
    const known = this.known.get(key);
    if (known) {
      await this.ingest.seen(caller, known);
      return known;
    }
    const service = source.provider === 'claude' ? 'claude-code' : 'codex';
    const { runtimes } = await this.ingest.hello(
      caller,
      {
        daemon_id: derivedDaemonId(tokenId, source.host),
        device_info: `${source.host} (OpenTelemetry)`,
        runtimes: [
          {
            provider: source.provider,
            name: `${source.provider}@${source.host}`,
            runtime_mode: 'local',
            metadata: {
              source: 'otlp',
              host: source.host,
              ...(source.serviceVersion ? { version: `${service} ${source.serviceVersion}` } : {}),
            },
          },
        ],
      },
      PRESENCE_OWNER,
    );
    const id = runtimes[0]!.id;
    this.known.set(key, id);
    return id;
  }
}
