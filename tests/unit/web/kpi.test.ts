import { describe, expect, it } from 'vitest';
import { pointsChange, relativeChange } from '../../../web/src/lib/kpi';

describe('relativeChange', () => {
  it('calls more cost bad', () => {
    expect(relativeChange(112, 100, 'down')).toMatchObject({ arrow: '▲', text: '12%', tone: 'bad' });
  });

  it('calls less cost good', () => {
    expect(relativeChange(97, 100, 'down')).toMatchObject({ arrow: '▼', text: '3.0%', tone: 'good' });
  });

  it('keeps token changes neutral', () => {
    expect(relativeChange(200, 100, 'neither')).toMatchObject({ arrow: '▲', text: '100%', tone: 'neutral' });
  });

  it('says new when the previous period had nothing', () => {
    expect(relativeChange(5, 0, 'down')).toMatchObject({ arrow: '▲', text: 'new', tone: 'bad' });
  });

  it('says no change for equal or tiny differences', () => {
    expect(relativeChange(0, 0, 'down')).toMatchObject({ arrow: '', text: 'no change', tone: 'neutral' });
    expect(relativeChange(100_000, 100_010, 'down')).toMatchObject({ arrow: '', text: 'no change' });
  });

  it('says so when there is no previous period', () => {
    expect(relativeChange(5, undefined, 'down')).toMatchObject({ arrow: '', text: 'no earlier data' });
  });

  it('has a sentence for screen readers', () => {
    expect(relativeChange(112, 100, 'down').description).toBe('Up 12% against the previous period');
  });
});

describe('pointsChange', () => {
  it('calls a higher cache hit rate good, in percentage points', () => {
    expect(pointsChange(0.62, 0.5, 'up')).toMatchObject({ arrow: '▲', text: '12 pp', tone: 'good' });
    expect(pointsChange(0.5, 0.534, 'up')).toMatchObject({ arrow: '▼', text: '3.4 pp', tone: 'bad' });
  });

  it('has nothing to compare when a rate is undefined', () => {
    expect(pointsChange(null, 0.5, 'up')).toMatchObject({ arrow: '', text: '—' });
    expect(pointsChange(0.5, null, 'up')).toMatchObject({ arrow: '', text: '—' });
  });
});
