/**
 * Dev-only: writes the protobuf twins (`*.pb`) of the OTLP/JSON fixtures in tests/fixtures/otlp, encoded with the
 * official OTLP definitions, so tests decode real OTLP/HTTP protobuf bytes. The JSON fixtures follow the shapes
 * Claude Code 2.1.x and Codex CLI 0.4x document and export (attribute names, string vs int counts); they were
 * written from those shapes, not captured from the CLIs. Run `npx tsx scripts/capture-otel-fixtures.ts`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { requestType, type Signal } from '../server/otlp/decode';

const dir = fileURLToPath(new URL('../tests/fixtures/otlp/', import.meta.url));

/** OTLP/JSON writes trace and span ids in hex; protobufjs reads JSON bytes as base64. */
function hexIdsToBase64(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(hexIdsToBase64);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [
      k,
      /^(traceId|spanId|parentSpanId)$/.test(k) && typeof v === 'string'
        ? Buffer.from(v, 'hex').toString('base64')
        : hexIdsToBase64(v),
    ]),
  );
}

export function encodeFixture(json: unknown, signal: Signal): Buffer {
  const type = requestType(signal);
  return Buffer.from(type.encode(type.fromObject(hexIdsToBase64(json) as object)).finish());
}

const FIXTURES: [string, Signal][] = [
  ['claude-logs', 'logs'],
  ['codex-logs', 'logs'],
  ['claude-metrics', 'metrics'],
  ['codex-traces', 'traces'],
];

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const [name, signal] of FIXTURES) {
    const json = JSON.parse(readFileSync(`${dir}${name}.json`, 'utf8')) as unknown;
    writeFileSync(`${dir}${name}.pb`, encodeFixture(json, signal));
  }
}
