/**
 * Telemetry gets runtimes like daemons do: one per (daemon token, provider, host), registered through the same
 * `hello` as a daemon's, with a daemon id derived from the token and the host so every export of that machine
 * lands on the same runtime, and kept online by each export (the REST `seen` path; the presence sweeper takes it
 * offline after PRESENCE_TIMEOUT_MS without one).
 *
 * A daemon and telemetry reporting the same agent on the same machine would count its usage twice (their event ids
 * differ: the daemon keys Claude by message id, telemetry by request id). The hub cannot tell the two sources'
 * events apart, so it flags it: the telemetry runtime's metadata gets `double_count` naming the daemon's runtime,
 * checked at each re-registration (every REGISTER_EVERY_MS while exports arrive).
 */
import { createHash } from 'node:crypto';
import { LruCache, type Runtime } from '../../shared';
import type { Caller } from '../ingest/changes';
import type { IngestService } from '../ingest/service';
import { type Database, listRuntimes } from '../store';
import type { TelemetrySource } from './map';

/** Presence owner of telemetry runtimes: the REST one, so the sweeper treats them as it treats REST daemons. */
const PRESENCE_OWNER = 'rest';

/** A uuid (version 5 layout) from a SHA-256 of the parts: the same machine always gets the same daemon id. */
export function derivedDaemonId(...parts: string[]): string {
  const hex = createHash('sha256').update(parts.join('\u0000')).digest('hex');
  const variant = ((Number.parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** How long a registration stands before the next export registers again (and looks for a daemon twin again). */
export const REGISTER_EVERY_MS = 60_000;

/** A daemon's runtime for the same provider and host (daemons name runtimes `<provider>@<hostname>` too). */
function daemonTwin(runtimes: Runtime[], provider: string, name: string): Runtime | undefined {
  return runtimes.find((r) => r.provider === provider && r.name === name && r.metadata.source !== 'otlp');
}

export class TelemetryRuntimes {
  /** (token, provider, host) → runtime id and when it was registered: one hello per machine a minute, not per call. */
  private readonly known = new LruCache<string, { id: string; at: number }>({ capacity: 10_000 });

  constructor(
    private readonly db: Database,
    private readonly ingest: IngestService,
  ) {}

  async runtimeOf(caller: Caller, tokenId: string, source: TelemetrySource): Promise<string> {
    const key = [tokenId, source.provider, source.host].join('\u0000');
    const known = this.known.get(key);
    if (known && Date.now() - known.at < REGISTER_EVERY_MS) {
      await this.ingest.seen(caller, known.id);
      return known.id;
    }
    const name = `${source.provider}@${source.host}`;
    const twin = daemonTwin(await listRuntimes(this.db, caller.workspaceId), source.provider, name);
    const service = source.provider === 'claude' ? 'claude-code' : 'codex';
    const { runtimes } = await this.ingest.hello(
      caller,
      {
        daemon_id: derivedDaemonId(tokenId, source.host),
        device_info: `${source.host} (OpenTelemetry)`,
        runtimes: [
          {
            provider: source.provider,
            name,
            runtime_mode: 'local',
            metadata: {
              source: 'otlp',
              host: source.host,
              ...(source.serviceVersion ? { version: `${service} ${source.serviceVersion}` } : {}),
              ...(twin
                ? {
                    double_count: {
                      daemon_runtime_id: twin.id,
                      warning: `a daemon also reports ${source.provider} usage of ${source.host}: its usage is counted twice; stop the daemon's ${source.provider} reader or this telemetry`,
                    },
                  }
                : {}),
            },
          },
        ],
      },
      PRESENCE_OWNER,
    );
    const id = runtimes[0]!.id;
    this.known.set(key, { id, at: Date.now() });
    return id;
  }
}
