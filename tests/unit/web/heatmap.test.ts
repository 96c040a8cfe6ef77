import { describe, expect, it } from 'vitest';
import { heatGrid, heatLevel } from '../../../web/src/lib/heatmap';

describe('heatLevel', () => {
  it('is 0 for a day without usage', () => {
    expect(heatLevel(0, 100)).toBe(0);
    expect(heatLevel(0, 0)).toBe(0);
  });

  it('splits the busiest day into quarters', () => {
    expect(heatLevel(1, 100)).toBe(1);
    expect(heatLevel(25, 100)).toBe(1);
    expect(heatLevel(26, 100)).toBe(2);
    expect(heatLevel(50, 100)).toBe(2);
    expect(heatLevel(75, 100)).toBe(3);
    expect(heatLevel(76, 100)).toBe(4);
    expect(heatLevel(100, 100)).toBe(4);
  });
});

describe('heatGrid', () => {
  // 2026-11-24 is a Tuesday: the grid starts on Sunday 2026-08-30 and stops at today.
  const values = new Map([
    ['2026-11-24', 400],
    ['2026-11-23', 100],
    ['2026-08-30', 300],
  ]);
  const grid = heatGrid('2026-11-24', values);

  it('spans 13 week columns ending with today', () => {
    expect(grid.cells).toHaveLength(12 * 7 + 3);
    expect(grid.cells[0]).toMatchObject({ date: '2026-08-30', row: 0, col: 0, value: 300, level: 3 });
    expect(grid.cells.at(-1)).toMatchObject({ date: '2026-11-24', row: 2, col: 12, level: 4, isToday: true });
    expect(grid.cells.filter((c) => c.isToday)).toHaveLength(1);
  });

  it('puts weekdays in rows, Sunday first', () => {
    expect(grid.cells.find((c) => c.date === '2026-11-23')).toMatchObject({ row: 1, col: 12, level: 1 });
  });

  it('labels a month over the column where its weeks start, dropping a crowded first label', () => {
    expect(grid.months).toEqual([
      { col: 1, label: 'Sep' },
      { col: 5, label: 'Oct' },
      { col: 9, label: 'Nov' },
    ]);
  });

  it('reports the busiest day', () => {
    expect(grid.max).toBe(400);
  });

  it('on a Saturday fills the last column', () => {
    const g = heatGrid('2026-11-28', new Map());
    expect(g.cells).toHaveLength(91);
    expect(g.cells.every((c) => c.level === 0)).toBe(true);
  });
});
