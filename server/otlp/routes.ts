/**
 * `POST /v1/logs`, `/v1/metrics`, `/v1/traces`: an OTLP/HTTP receiver on the hub's own port, so an agent's
 * `OTEL_EXPORTER_OTLP_ENDPOINT=<hub URL>` works as is. Mounted as its own Fastify scope: its body parsers (raw
 * bytes for JSON and protobuf, inflated and decoded here) and its error bodies (google.rpc.Status) stay off the
 * REST API. An export is answered 200 only once its usage is committed; a re-sent export writes the same event
 * ids and counts once.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { answerSignal, type Caller } from '../ingest/changes';
import type { IngestService } from '../ingest/service';
import type { Database, TokenIdentity, TokenRole } from '../store';
import { decodeExport, type Encoding, encodingOf, inflate, responseType, type Signal } from './decode';
import { OtlpError, otlpErrorOf, statusBody } from './errors';
import { type MappedGroup, mapLogs } from './map';
import { TelemetryRuntimes } from './runtimes';
import type { ExportLogsRequest } from './schema';

/** Inflated bodies may be this many times MAX_PAYLOAD_BYTES: OTLP JSON compresses about tenfold. */
export const INFLATE_FACTOR = 16;
/** The shared schemas take at most this many events or tasks per report. */
const REPORT_CHUNK = 1_000;

export interface OtlpDeps {
  db: Database;
  ingest: IngestService;
  authenticate: (request: FastifyRequest, role: TokenRole) => Promise<TokenIdentity>;
  maxPayloadBytes: number;
}

interface PartialSuccess {
  rejected: number;
  message?: string;
}

const REJECTED_FIELD: Record<Signal, string> = {
  logs: 'rejectedLogRecords',
  metrics: 'rejectedDataPoints',
  traces: 'rejectedSpans',
};

function callerOf(identity: TokenIdentity, reply: FastifyReply): Caller {
  const { answered, markAnswered } = answerSignal();
  reply.raw.once('finish', markAnswered).once('close', markAnswered);
  return { workspaceId: identity.workspace_id, answered };
}

const chunks = <T>(items: T[]): T[][] =>
  Array.from({ length: Math.ceil(items.length / REPORT_CHUNK) }, (_, i) =>
    items.slice(i * REPORT_CHUNK, (i + 1) * REPORT_CHUNK),
  );

/** The request's own encoding for the answer (JSON when it named none we know). */
const answerEncoding = (request: FastifyRequest): Encoding =>
  encodingOf(request.headers['content-type']) ?? 'json';

function sendAnswer(reply: FastifyReply, encoding: Encoding, message: object, signal: Signal): FastifyReply {
  const type = responseType(signal);
  if (encoding === 'protobuf')
    return reply
      .type('application/x-protobuf')
      .send(Buffer.from(type.encode(type.fromObject(message)).finish()));
  // proto3 JSON: int64 as decimal strings.
  return reply.type('application/json').send(type.toObject(type.fromObject(message), { longs: String }));
}

export function otlpRoutes(deps: OtlpDeps) {
  const runtimes = new TelemetryRuntimes(deps.db, deps.ingest);
  const identities = new WeakMap<FastifyRequest, TokenIdentity>();
  const maxInflated = deps.maxPayloadBytes * INFLATE_FACTOR;

  async function writeGroup(caller: Caller, tokenId: string, group: MappedGroup): Promise<void> {
    const runtimeId = await runtimes.runtimeOf(caller, tokenId, group.source);
    for (const events of chunks(group.events))
      await deps.ingest.report('usage', caller, { runtime_id: runtimeId, events });
    for (const tasks of chunks(group.tasks))
      await deps.ingest.report('task', caller, { runtime_id: runtimeId, tasks });
  }

  async function ingestLogs(
    identity: TokenIdentity,
    reply: FastifyReply,
    logs: ExportLogsRequest,
  ): Promise<PartialSuccess> {
    const mapped = mapLogs(logs);
    const caller = callerOf(identity, reply);
    for (const group of mapped.groups) await writeGroup(caller, identity.id, group);
    return { rejected: mapped.rejected, message: mapped.firstError };
  }

  return async function otlpScope(scope: FastifyInstance): Promise<void> {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(
      ['application/json', 'application/x-protobuf'],
      { parseAs: 'buffer', bodyLimit: deps.maxPayloadBytes },
      (_request, body, done) => done(null, body),
    );
    // Before the body is read: an exporter without a valid daemon token gets 401 whatever it sent.
    scope.addHook('onRequest', async (request) => {
      identities.set(request, await deps.authenticate(request, 'daemon'));
    });
    scope.setErrorHandler((err, request, reply) => {
      const otlp = otlpErrorOf(err);
      if (otlp.status >= 500 && otlp.status !== 503) request.log.error({ err }, 'OTLP export failed');
      const encoding = answerEncoding(request);
      // The rate limiter already said when its window reopens; otherwise a short fixed wait.
      if (otlp.retryAfter !== undefined && !reply.hasHeader('retry-after'))
        reply.header('retry-after', String(otlp.retryAfter));
      return reply
        .code(otlp.status)
        .type(encoding === 'protobuf' ? 'application/x-protobuf' : 'application/json')
        .send(statusBody(otlp, encoding === 'protobuf'));
    });

    for (const signal of ['logs', 'metrics', 'traces'] as const) {
      scope.post(`/v1/${signal}`, async (request, reply) => {
        const identity = identities.get(request);
        const encoding = encodingOf(request.headers['content-type']);
        if (!identity || !encoding || !Buffer.isBuffer(request.body))
          throw new OtlpError(415, 'Content-Type must be application/json or application/x-protobuf');
        const body = inflate(request.body, request.headers['content-encoding'], maxInflated);
        const decoded = decodeExport(body, encoding, signal);
        // Metrics and traces are accepted and not used (token metrics would double count the log records).
        const partial =
          signal === 'logs'
            ? await ingestLogs(identity, reply, decoded as ExportLogsRequest)
            : { rejected: 0 };
        const message =
          partial.rejected > 0
            ? {
                partialSuccess: {
                  [REJECTED_FIELD[signal]]: partial.rejected,
                  errorMessage: partial.message ?? '',
                },
              }
            : {};
        return sendAnswer(reply, encoding, message, signal);
      });
    }
  };
}
