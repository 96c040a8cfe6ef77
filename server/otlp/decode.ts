/**
 * OTLP/HTTP bodies to plain objects: gunzip within a bound (a zip bomb is refused, not inflated), then protobuf
 * through protobufjs and the official OTLP definitions (descriptor.json, generated from the vendored .proto files),
 * or JSON. Both encodings come out as the same lowerCamelCase object, checked by the schemas in schema.ts.
 */
import { gunzipSync } from 'node:zlib';
import protobuf from 'protobufjs';
import type { z } from 'zod';
import descriptor from './descriptor.json';
import { OtlpError } from './errors';
import {
  ExportLogsRequest,
  ExportMetricsRequest,
  ExportTraceRequest,
  MAX_LOG_RECORDS,
  MAX_NESTING,
  nestedDeeperThan,
} from './schema';

export type Signal = 'logs' | 'metrics' | 'traces';
export type Encoding = 'json' | 'protobuf';

const root = protobuf.Root.fromJSON(descriptor);
const service = (signal: Signal) => {
  const pkg = signal === 'traces' ? 'trace' : signal;
  const name = signal === 'traces' ? 'Trace' : signal === 'logs' ? 'Logs' : 'Metrics';
  return `opentelemetry.proto.collector.${pkg}.v1.Export${name}Service`;
};
export const requestType = (signal: Signal) => root.lookupType(`${service(signal)}Request`);
export const responseType = (signal: Signal) => root.lookupType(`${service(signal)}Response`);

const SCHEMAS = {
  logs: ExportLogsRequest,
  metrics: ExportMetricsRequest,
  traces: ExportTraceRequest,
} as const;

export function encodingOf(contentType: string | undefined): Encoding | undefined {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/json') return 'json';
  if (type === 'application/x-protobuf') return 'protobuf';
  return undefined;
}

/** The body as sent, inflated when gzipped, never past `maxBytes`. */
export function inflate(body: Buffer, contentEncoding: string | undefined, maxBytes: number): Buffer {
  const encoding = (contentEncoding ?? 'identity').trim().toLowerCase();
  if (encoding === 'identity' || encoding === '') return body;
  if (encoding !== 'gzip') throw new OtlpError(415, `unsupported Content-Encoding ${encoding}: use gzip`);
  try {
    return gunzipSync(body, { maxOutputLength: maxBytes });
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE')
      throw new OtlpError(413, `decompressed body is larger than ${maxBytes} bytes`);
    throw new OtlpError(400, 'body is not valid gzip');
  }
}

function parse(body: Buffer, encoding: Encoding, signal: Signal): unknown {
  try {
    // proto3 JSON: null stands for a field left unset (Codex's Rust exporter sends `"body": null`).
    if (encoding === 'json') return JSON.parse(body.toString('utf8'), (_key, value) => value ?? undefined);
    const type = requestType(signal);
    return type.toObject(type.decode(body), { longs: String, enums: Number, bytes: String });
  } catch {
    // protobufjs throws on malformed wire data and overflows its stack on absurd nesting: both are a bad body.
    throw new OtlpError(
      400,
      `body is not a valid ${encoding === 'json' ? 'OTLP/JSON' : 'OTLP protobuf'} export`,
    );
  }
}

export function decodeExport<S extends Signal>(
  body: Buffer,
  encoding: Encoding,
  signal: S,
): z.infer<(typeof SCHEMAS)[S]> {
  const raw = parse(body, encoding, signal);
  if (nestedDeeperThan(raw, MAX_NESTING))
    throw new OtlpError(400, `body is nested deeper than ${MAX_NESTING} levels`);
  const result = SCHEMAS[signal].safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new OtlpError(
      400,
      `not an OTLP ${signal} export: ${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}`.trim(),
    );
  }
  if (signal === 'logs') {
    const logs = result.data as ExportLogsRequest;
    let count = 0;
    for (const rl of logs.resourceLogs ?? [])
      for (const sl of rl.scopeLogs ?? []) count += sl.logRecords?.length ?? 0;
    if (count > MAX_LOG_RECORDS)
      throw new OtlpError(
        400,
        `${count} log records in one export: at most ${MAX_LOG_RECORDS}; lower the exporter's batch size`,
      );
  }
  return result.data as z.infer<(typeof SCHEMAS)[S]>;
}
