import { describe, expect, it } from 'vitest';
import { shownStatus } from '../../../web/src/lib/presence';
import { Store } from '../../../web/src/live/store';
import { MemoryStorage } from '../../helpers/memory-storage';

describe('liveness while the hub is lost', () => {
  it('shows every runtime as unknown, never online, while reconnecting or offline', () => {
    expect(shownStatus('online', 'reconnecting')).toBe('unknown');
    expect(shownStatus('offline', 'offline')).toBe('unknown');
    expect(shownStatus('online', 'live')).toBe('online');
    expect(shownStatus('offline', 'connecting')).toBe('offline');
  });

  it('remembers when the hub was first lost, across reconnecting → offline, and forgets it when live', () => {
    const store = new Store(new MemoryStorage() as unknown as Storage);
    store.setConnection('live');
    expect(store.get().lostSince).toBeNull();
    const before = Date.now();
    store.setConnection('reconnecting');
    const since = store.get().lostSince;
    expect(since).toBeGreaterThanOrEqual(before);
    store.setConnection('offline');
    expect(store.get().lostSince).toBe(since);
    store.setConnection('live');
    expect(store.get().lostSince).toBeNull();
  });
});
