/**
 * The shape of decoded OTLP export requests, checked with zod whichever encoding they came in: protobuf bodies are
 * decoded by protobufjs into the same lowerCamelCase object as OTLP/JSON, with 64-bit integers as strings (OTLP/JSON
 * may also send them as numbers). Only what the mapping reads is typed; unknown fields are ignored, as the OTLP
 * spec asks of receivers.
 */
import { z } from 'zod';

/** More log records than this in one export is refused whole: exporters batch 512 by default. */
export const MAX_LOG_RECORDS = 10_000;
/** Attributes of one record or resource; Claude Code and Codex send about 20. */
export const MAX_ATTRIBUTES = 1_000;
/** Nesting of the decoded body, arrays and objects alike (an AnyValue kvlist inside a kvlist…). */
export const MAX_NESTING = 32;

/** A 64-bit integer as OTLP/JSON writes it (a decimal string) or as a plain JSON number. */
const Int64 = z.union([z.string().regex(/^-?\d{1,20}$/), z.number().int()]);

export interface AnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string | number;
  doubleValue?: number | string;
  bytesValue?: string;
  arrayValue?: { values?: AnyValue[] };
  kvlistValue?: { values?: KeyValue[] };
}
export interface KeyValue {
  key: string;
  value?: AnyValue;
}

export const AnyValue: z.ZodType<AnyValue> = z.lazy(() =>
  z.object({
    stringValue: z.string().optional(),
    boolValue: z.boolean().optional(),
    intValue: Int64.optional(),
    doubleValue: z.union([z.number(), z.enum(['NaN', 'Infinity', '-Infinity'])]).optional(),
    bytesValue: z.string().optional(),
    arrayValue: z.object({ values: z.array(AnyValue).optional() }).optional(),
    kvlistValue: z.object({ values: z.array(KeyValue).optional() }).optional(),
  }),
);
export const KeyValue: z.ZodType<KeyValue> = z.lazy(() =>
  z.object({ key: z.string(), value: AnyValue.optional() }),
);
const Attributes = z.array(KeyValue).max(MAX_ATTRIBUTES).optional();

const Resource = z.object({ attributes: Attributes }).optional();

export const LogRecord = z.object({
  timeUnixNano: Int64.optional(),
  observedTimeUnixNano: Int64.optional(),
  body: AnyValue.optional(),
  attributes: Attributes,
  eventName: z.string().optional(),
});
export type LogRecord = z.infer<typeof LogRecord>;

export const ExportLogsRequest = z.object({
  resourceLogs: z
    .array(
      z.object({
        resource: Resource,
        scopeLogs: z.array(z.object({ logRecords: z.array(LogRecord).optional() })).optional(),
      }),
    )
    .optional(),
});
export type ExportLogsRequest = z.infer<typeof ExportLogsRequest>;

/** Metrics and traces are accepted and not used: their envelope is checked so garbage still gets a 400. */
export const ExportMetricsRequest = z.object({
  resourceMetrics: z
    .array(z.object({ resource: Resource, scopeMetrics: z.array(z.object({}).loose()).optional() }))
    .optional(),
});
export const ExportTraceRequest = z.object({
  resourceSpans: z
    .array(z.object({ resource: Resource, scopeSpans: z.array(z.object({}).loose()).optional() }))
    .optional(),
});

/** Deeper than `max` (iteratively: a hostile body must not be able to blow the stack here). */
export function nestedDeeperThan(value: unknown, max: number): boolean {
  const stack: { node: unknown; depth: number }[] = [{ node: value, depth: 0 }];
  while (stack.length > 0) {
    const { node, depth } = stack.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    if (depth > max) return true;
    for (const child of Object.values(node)) stack.push({ node: child, depth: depth + 1 });
  }
  return false;
}
