/**
 * Dev-only: turns the official OTLP .proto files vendored in server/otlp/proto (opentelemetry-proto v1.11.0+,
 * Apache-2.0) into the protobufjs JSON descriptor server/otlp/descriptor.json that the hub decodes with. A JSON
 * descriptor rather than the .proto files at run time: the server bundle imports it, nothing is read from disk.
 * Run `npx tsx scripts/generate-otlp-descriptor.ts` after updating the vendored files.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

const protoRoot = fileURLToPath(new URL('../server/otlp/proto/', import.meta.url));
const services = ['logs', 'metrics', 'trace'].map(
  (kind) => `opentelemetry/proto/collector/${kind}/v1/${kind}_service.proto`,
);
const root = new protobuf.Root();
root.resolvePath = (_origin, target) => `${protoRoot}${target}`;
root.loadSync(services, { keepCase: false });
root.resolveAll();
const out = fileURLToPath(new URL('../server/otlp/descriptor.json', import.meta.url));
writeFileSync(out, JSON.stringify(root.toJSON({ keepComments: false })));
// In the house format, so `npm run lint` passes on the generated file as on the rest.
execFileSync('npx', ['biome', 'format', '--write', out], { stdio: 'ignore' });
