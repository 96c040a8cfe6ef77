/**
 * The shape of the state file as read back: zod for the small parts, hand-written guards for the bulky ones,
 * so a file from an earlier version (or a damaged one) loads what is still valid and drops the rest.
 */
import { z } from 'zod';

const Vector = z.tuple([z.number(), z.number(), z.number(), z.number(), z.number()]);
// The bulky parts (tens of thousands of seen ids, lineage vectors) are checked by hand below: zod would copy
// every entry, which costs more memory than the whole state.
export const StateJson = z.looseObject({
  version: z.literal(1),
  daemon_id: z.uuid(),
  files: z.record(z.string(), z.looseObject({})).default({}),
  seen: z.record(z.string(), z.array(z.unknown())).default({}),
  codex_sessions: z.looseObject({ sessions: z.array(z.unknown()) }).optional(),
  tasks: z.array(z.looseObject({})).default([]),
  counters: z
    .record(
      z.string(),
      z.object({
        files: z.number(),
        lines: z.number(),
        bytes: z.number(),
        events: z.number(),
        duplicates: z.number(),
        skipped: z.number(),
        unparsable: z.number(),
        // Added after version 1 was out: older state files have none yet.
        refused: z.number().default(0),
      }),
    )
    .default({}),
  refused: z.array(z.unknown()).default([]),
  outbox: z
    .object({
      events: z.record(z.string(), z.array(z.unknown())).default({}),
      tasks: z.record(z.string(), z.array(z.unknown())).default({}),
    })
    .optional(),
});

export const FileEntrySchema = z.object({
  provider: z.enum(['claude', 'codex']),
  ino: z.number(),
  size: z.number(),
  offset: z.number().int().min(0),
  head: z.string(),
  head_len: z.number().int().min(0),
  session: z.string().optional(),
  codex: z
    .object({
      session: z.string().optional(),
      ns: z.string().optional(),
      model: z.string(),
      prev: Vector.optional(),
      // Added with attribution: older state files have none until the next turn_context.
      cwd: z.string().optional(),
    })
    .optional(),
});

export const TaskRecordSchema = z.object({
  provider: z.string(),
  id: z.string(),
  started_at: z.string(),
  last_at: z.string(),
  sent: z.enum(['running', 'completed']).optional(),
});

export const isSeen = (e: unknown): e is [string, number] =>
  Array.isArray(e) && e.length === 2 && typeof e[0] === 'string' && typeof e[1] === 'number';

const isVector = (v: unknown): v is [number, number, number, number, number] =>
  Array.isArray(v) && v.length === 5 && v.every((x) => typeof x === 'number');

export function isSession(
  e: unknown,
): e is [string, { parent?: string; vectors: [number, number, number, number, number][] }] {
  if (!Array.isArray(e) || e.length !== 2 || typeof e[0] !== 'string') return false;
  const info = e[1] as { parent?: unknown; vectors?: unknown } | null;
  if (typeof info !== 'object' || info === null) return false;
  if (info.parent !== undefined && typeof info.parent !== 'string') return false;
  return Array.isArray(info.vectors) && info.vectors.every(isVector);
}

/** The items of each provider that the schema accepts (a stored item must still be sendable). */
export function validItems<T>(
  schema: z.ZodType<T>,
  byProvider: Record<string, unknown[]> = {},
): Record<string, T[]> {
  const out: Record<string, T[]> = {};
  for (const [p, list] of Object.entries(byProvider))
    out[p] = list.flatMap((x) => schema.safeParse(x).data ?? []);
  return out;
}

/** One item the hub refused, kept aside with its answer (see refused-items.ts). */
export const RefusedItemSchema = z.object({
  at: z.string(),
  provider: z.string(),
  kind: z.enum(['usage', 'task']),
  code: z.string(),
  message: z.string(),
  item: z.looseObject({ id: z.string() }),
});
