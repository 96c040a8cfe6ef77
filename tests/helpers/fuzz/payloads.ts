/**
 * Valid daemon payloads and the mutations that make them hostile.
 */
import fc from 'fast-check';
import { z } from 'zod';
import { UsageEvent } from '../../../shared';
import {
  type FuzzContext,
  hostileId,
  hostileNumber,
  hostileString,
  junk,
  keyLabel,
  label,
  replacement,
  unit,
  validCount,
  validDate,
  validTimestamp,
} from './values';

type RequiredEventKey = {
  [K in keyof UsageEvent]-?: undefined extends UsageEvent[K] ? never : K;
}[keyof UsageEvent];

/** The keys a usage event must hold, read from the schema (its fields that are not optional). */
export const REQUIRED_EVENT_KEYS = Object.entries(UsageEvent.shape)
  .filter(([, field]) => !(field instanceof z.ZodOptional))
  .map(([key]) => key as RequiredEventKey);

const metadata = fc.dictionary(fc.string({ unit, maxLength: 12 }), fc.jsonValue({ maxDepth: 2 }), {
  maxKeys: 4,
  noNullPrototype: true,
});
const helloRuntime = fc.record(
  {
    provider: keyLabel(64),
    name: label(200),
    runtime_mode: fc.constantFrom('local', 'cloud'),
    metadata,
  },
  { requiredKeys: ['provider', 'name', 'runtime_mode'], noNullPrototype: true },
);
export const validHello = (ctx: FuzzContext) =>
  fc.record(
    {
      daemon_id: fc.oneof(fc.uuid(), fc.constantFrom(...ctx.daemonIds)),
      device_info: fc.oneof(label(500), fc.constant('')),
      runtimes: fc.oneof(
        {
          arbitrary: fc.uniqueArray(helloRuntime, {
            selector: (r) => r.provider,
            minLength: 1,
            maxLength: 3,
          }),
          weight: 20,
        },
        {
          arbitrary: fc.uniqueArray(helloRuntime, {
            selector: (r) => r.provider,
            minLength: 32,
            maxLength: 33,
          }),
          weight: 1,
        },
      ),
    },
    { noNullPrototype: true },
  );

/** Mostly the caller's runtime (in either letter case), else another workspace's or one that does not exist. */
const runtimeId = (ctx: FuzzContext) =>
  fc.oneof(
    { arbitrary: fc.constantFrom(...ctx.own), weight: 12 },
    { arbitrary: fc.constantFrom(...ctx.own).map((id) => id.toUpperCase()), weight: 1 },
    { arbitrary: fc.constantFrom(...ctx.foreign), weight: 1 },
    { arbitrary: fc.uuid(), weight: 1 },
  );

const usageEvent = fc.record(
  {
    id: keyLabel(200),
    ts: validTimestamp,
    provider: keyLabel(64),
    model: keyLabel(200),
    input_tokens: validCount,
    output_tokens: validCount,
    cache_read_tokens: validCount,
    cache_write_tokens: validCount,
    task_id: label(200),
  },
  {
    requiredKeys: REQUIRED_EVENT_KEYS,
    noNullPrototype: true,
  },
);
/** 1000 (the most a call may carry) or 1001 distinct events with small counts. */
const manyEvents = fc.tuple(usageEvent, fc.constantFrom(1000, 1001)).map(([e, n]) =>
  Array.from({ length: n }, (_, i) => ({
    ...e,
    id: `${i}-${e.id}`.slice(0, 200),
    input_tokens: i,
    output_tokens: 1,
    cache_read_tokens: 0,
    cache_write_tokens: 0,
  })),
);
export const validUsage = (ctx: FuzzContext) =>
  fc.record(
    {
      runtime_id: runtimeId(ctx),
      events: fc.oneof(
        { arbitrary: fc.array(usageEvent, { minLength: 1, maxLength: 5 }), weight: 80 },
        { arbitrary: manyEvents, weight: 1 },
      ),
    },
    { noNullPrototype: true },
  );

const task = fc.record(
  {
    id: keyLabel(200),
    status: fc.constantFrom('queued', 'running', 'completed', 'failed', 'cancelled'),
    created_at: validTimestamp,
    started_at: validTimestamp,
    completed_at: validTimestamp,
  },
  { requiredKeys: ['id', 'status', 'created_at'], noNullPrototype: true },
);
export const validTasks = (ctx: FuzzContext) =>
  fc.record(
    {
      runtime_id: runtimeId(ctx),
      tasks: fc.oneof(
        { arbitrary: fc.array(task, { minLength: 1, maxLength: 5 }), weight: 80 },
        {
          arbitrary: fc
            .tuple(task, fc.constantFrom(1000, 1001))
            .map(([t, n]) =>
              Array.from({ length: n }, (_, i) => ({ ...t, id: `${i}-${t.id}`.slice(0, 200) })),
            ),
          weight: 1,
        },
      ),
    },
    { noNullPrototype: true },
  );

const dailyEntry = fc.record(
  {
    date: validDate,
    provider: keyLabel(64),
    model: keyLabel(200),
    input_tokens: validCount,
    output_tokens: validCount,
    cache_read_tokens: validCount,
    cache_write_tokens: validCount,
  },
  { noNullPrototype: true },
);
export const validDailyTotals = fc.record(
  { entries: fc.array(dailyEntry, { minLength: 1, maxLength: 4 }) },
  { noNullPrototype: true },
);

// ---------------------------------------------------------------------------------------------- mutations

export type Mutation =
  | { op: 'replace'; at: number; value: unknown }
  | { op: 'delete'; at: number }
  | { op: 'addKey'; at: number; key: string; value: unknown }
  | { op: 'duplicate'; at: number }
  | { op: 'resize'; at: number; length: number }
  | { op: 'wrap'; at: number; inArray: boolean };

const EXTRA_KEYS = ['__proto__', 'constructor', 'prototype', 'extra', 'workspace_id', 'runtime_id', 'id', ''];

export const mutation = (ctx: FuzzContext): fc.Arbitrary<Mutation> =>
  fc.oneof(
    {
      arbitrary: fc.record({ op: fc.constant('replace' as const), at: fc.nat(), value: replacement(ctx) }),
      weight: 8,
    },
    { arbitrary: fc.record({ op: fc.constant('delete' as const), at: fc.nat() }), weight: 2 },
    {
      arbitrary: fc.record({
        op: fc.constant('addKey' as const),
        at: fc.nat(),
        key: fc.oneof(
          fc.constantFrom(...EXTRA_KEYS),
          hostileString.filter((s) => s.length < 100),
        ),
        value: replacement(ctx),
      }),
      weight: 3,
    },
    { arbitrary: fc.record({ op: fc.constant('duplicate' as const), at: fc.nat() }), weight: 1 },
    {
      arbitrary: fc.record({
        op: fc.constant('resize' as const),
        at: fc.nat(),
        length: fc.constantFrom(0, 2, 32, 33, 1000, 1001),
      }),
      weight: 1,
    },
    {
      arbitrary: fc.record({ op: fc.constant('wrap' as const), at: fc.nat(), inArray: fc.boolean() }),
      weight: 1,
    },
  );

type Path = (string | number)[];
export const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date);

/** Paths of the nodes of a JSON-like tree (a sample of long arrays, at most 6 deep). */
function nodes(value: unknown, path: Path = [], out: Path[] = []): Path[] {
  out.push(path);
  if (path.length >= 6) return out;
  if (Array.isArray(value)) {
    const picks = value.length <= 8 ? value.keys() : [0, 1, value.length - 1].values();
    for (const i of picks) nodes(value[i], [...path, i], out);
  } else if (isObject(value)) {
    for (const key of Object.keys(value)) nodes(value[key], [...path, key], out);
  }
  return out;
}

const get = (root: unknown, path: Path) =>
  path.reduce<unknown>((v, k) => (v as Record<string | number, unknown>)[k], root);

/** Sets an own property, even one named `__proto__`. */
export function setOwn(target: object, key: string | number, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function put(root: unknown, path: Path, value: unknown): unknown {
  if (path.length === 0) return value;
  setOwn(get(root, path.slice(0, -1)) as object, path.at(-1)!, value);
  return root;
}

const bytes = (v: unknown) => (JSON.stringify(v) ?? '').length;

/** Applies mutations to a deep copy of a valid payload (the copy is what the wire would carry anyway). */
export function mutate(base: unknown, mutations: Mutation[]): unknown {
  let root: unknown = JSON.parse(JSON.stringify(base));
  for (const m of mutations) {
    const all = nodes(root);
    const path = all[m.at % all.length]!;
    const node = get(root, path);
    const parent = path.length > 0 ? get(root, path.slice(0, -1)) : undefined;
    const key = path.at(-1);
    switch (m.op) {
      case 'replace':
        // A copy: replacement values may be shared constants that a later mutation would change.
        root = put(root, path, structuredClone(m.value));
        break;
      case 'delete':
        if (Array.isArray(parent)) parent.splice(key as number, 1);
        else if (isObject(parent)) delete parent[key as string];
        else root = undefined;
        break;
      case 'addKey': {
        const target = isObject(node) ? node : isObject(parent) ? parent : undefined;
        if (!target) break;
        // Built by JSON.parse, as the hub's decoder builds it: `__proto__` becomes an own key.
        const inner = JSON.stringify(target).slice(1, -1);
        const extra = `${JSON.stringify(m.key)}:${JSON.stringify(m.value) ?? 'null'}`;
        const rebuilt = JSON.parse(`{${inner}${inner ? ',' : ''}${extra}}`) as unknown;
        root = put(root, target === node ? path : path.slice(0, -1), rebuilt);
        break;
      }
      case 'duplicate':
        if (Array.isArray(parent)) parent.push(JSON.parse(JSON.stringify(node ?? null)));
        else if (Array.isArray(node) && node.length > 0)
          node.push(JSON.parse(JSON.stringify(node[0] ?? null)));
        break;
      case 'resize': {
        const list = Array.isArray(node) ? node : Array.isArray(parent) ? parent : undefined;
        if (!list || (list.length > 0 && bytes(list[0]) * m.length > 600_000)) break;
        const template = list[0] ?? null;
        const grown = Array.from({ length: m.length }, (_, i) => {
          const copy = JSON.parse(JSON.stringify(template)) as unknown;
          if (isObject(copy) && typeof copy.id === 'string') copy.id = `${i}-${copy.id}`.slice(0, 200);
          return copy;
        });
        list.splice(0, list.length, ...grown);
        break;
      }
      case 'wrap':
        root = put(root, path, m.inArray ? [node] : { value: node });
        break;
    }
  }
  return root;
}

/** A valid payload with zero to three mutations (zero keeps the accepting side of the oracle exercised). */
export const mutated = (base: fc.Arbitrary<unknown>, ctx: FuzzContext) =>
  fc.tuple(base, fc.array(mutation(ctx), { maxLength: 3 })).map(([b, ms]) => mutate(b, ms));

/** Payloads of every other shape: not objects, arrays of payloads, junk. */
export const notAPayload = (ctx: FuzzContext) => fc.oneof(junk, hostileString, hostileNumber, hostileId(ctx));
