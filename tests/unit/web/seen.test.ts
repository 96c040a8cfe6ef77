import { describe, expect, it } from 'vitest';
import type { UsagePush } from '../../../shared/schemas';
import { parseSnapshot } from '../../../shared/snapshot';
import { MAX_KEPT, PushLog, unseen } from '../../../web/src/live/seen';

const RT = '00000000-0000-4000-8000-000000000001';
const push = (commit: string | undefined, input = 1): UsagePush => ({
  runtime_id: RT,
  deltas: [
    {
      hour: '2026-11-30T10:00:00.000Z',
      provider: 'claude',
      model: 'claude-sonnet-4-5',
      input_tokens: input,
      output_tokens: 0,
      cache_read_tokens: 0,
      cache_write_tokens: 0,
    },
  ],
  ...(commit === undefined ? {} : { commit }),
});

describe('unseen', () => {
  const snapshot = parseSnapshot('100:105:101,103');

  it('keeps the pushes whose commit the answer was read without, in order', () => {
    const pushes = ['99', '100', '101', '102', '103', '104', '105', '200'].map((c) => push(c));
    expect(unseen(pushes, snapshot).map((p) => p.commit)).toEqual(['101', '103', '105', '200']);
  });

  it('keeps a push without a commit (an older hub): it is merged as it always was', () => {
    const pushes = [push(undefined), push('99')];
    expect(unseen(pushes, snapshot)).toEqual([pushes[0]]);
  });

  it('keeps a push whose commit is not an id, as one without a commit', () => {
    const pushes = [push('12x'), push('')];
    expect(unseen(pushes, snapshot)).toBe(pushes);
  });

  it('keeps every push, as the same list, for an answer without a snapshot', () => {
    const pushes = [push('99'), push('200')];
    expect(unseen(pushes, null)).toBe(pushes);
    expect(unseen(pushes, undefined)).toBe(pushes);
  });
});

describe('PushLog', () => {
  it('hands a watch the pushes recorded since it opened, and keeps none while no watch is open', () => {
    const log = new PushLog();
    log.record([push('1')]);
    const first = log.watch();
    log.record([push('2'), push(undefined)]);
    const second = log.watch();
    log.record([push('3')]);
    expect(first.pushes().map((p) => p.commit)).toEqual(['2', '3']);
    expect(second.pushes().map((p) => p.commit)).toEqual(['3']);
    first.close();
    log.record([push('4')]);
    expect(second.pushes().map((p) => p.commit)).toEqual(['3', '4']);
    second.close();
    log.record([push('5')]);
    const third = log.watch();
    expect(third.pushes()).toEqual([]);
    log.record([push('6')]);
    expect(third.pushes().map((p) => p.commit)).toEqual(['6']);
  });

  it('closing a watch twice does not drop what another watch still needs', () => {
    const log = new PushLog();
    const a = log.watch();
    const b = log.watch();
    log.record([push('7')]);
    a.close();
    a.close();
    expect(b.pushes().map((p) => p.commit)).toEqual(['7']);
  });

  it('keeps at most MAX_KEPT pushes for a watch that never closes, the latest ones', () => {
    const log = new PushLog();
    const stuck = log.watch();
    for (let i = 0; i < MAX_KEPT + 5; i++) log.record([push(String(i))]);
    const kept = stuck.pushes();
    expect(kept).toHaveLength(MAX_KEPT);
    expect(kept[0]!.commit).toBe('5');
    expect(kept.at(-1)!.commit).toBe(String(MAX_KEPT + 4));
    const later = log.watch();
    log.record([push('last')]);
    expect(later.pushes().map((p) => p.commit)).toEqual(['last']);
    stuck.close();
    expect(later.pushes().map((p) => p.commit)).toEqual(['last']);
  });
});
