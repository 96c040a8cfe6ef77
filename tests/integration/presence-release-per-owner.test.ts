import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PresenceTracker } from '../../server/realtime/presence';
import { type DatabaseUnderTest, databaseKinds } from '../helpers/databases';
import { unheardChanges } from '../helpers/ingest-changes';

/** The tracker's private maps, read to assert the index stays exact. */
interface Internals {
  held: Map<string, string>;
  heldBy: Map<string, Set<string>>;
}

/** Makes any walk over every held runtime throw: release must reach only its owner's runtimes. */
function forbidWholeMapWalks(map: Map<string, string>): void {
  const refuse = () => {
    throw new Error('walked every held runtime');
  };
  for (const name of ['entries', 'keys', 'values', 'forEach', Symbol.iterator] as const)
    Object.defineProperty(map, name, { value: refuse });
}

describe('presence release per owner', () => {
  let under: DatabaseUnderTest;
  beforeAll(async () => {
    under = await databaseKinds[0]![1]();
  });
  afterAll(() => under.close());

  const tracker = () =>
    new PresenceTracker(
      under.db,
      { heartbeatMs: 60_000, sweepMs: 60_000, timeoutMs: 60_000 },
      unheardChanges,
      pino({ level: 'silent' }),
    );

  it('releases one connection of many without walking every held runtime', async () => {
    const presence = tracker();
    const internals = presence as unknown as Internals;
    const owners = Array.from({ length: 2_000 }, (_, i) => `node:socket-${i}`);
    for (const owner of owners)
      presence.hold(
        Array.from({ length: 32 }, () => randomUUID()),
        owner,
      );
    expect(internals.held.size).toBe(64_000);

    forbidWholeMapWalks(internals.held);
    await presence.release(owners[7]!);

    expect(internals.held.size).toBe(64_000 - 32);
    expect(internals.heldBy.has(owners[7]!)).toBe(false);
    expect(internals.heldBy.get(owners[8]!)?.size).toBe(32);
  });

  it('leaves a runtime held by the connection its daemon moved to', async () => {
    const presence = tracker();
    const internals = presence as unknown as Internals;
    const [moved, stays] = [randomUUID(), randomUUID()];
    presence.hold([moved, stays], 'node:old');
    presence.hold([moved], 'node:new');
    await presence.release('node:old');
    expect([...internals.held]).toEqual([[moved, 'node:new']]);
    expect([...internals.heldBy]).toEqual([['node:new', new Set([moved])]]);
  });
});
