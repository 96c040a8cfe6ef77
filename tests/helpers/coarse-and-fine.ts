/**
 * One history view read twice: from the sources the store reads (the coarse rollups, behind their watermark) and
 * from the quarter-hour rollup alone (fineSource). The rollup tests compare the two row for row.
 */
import {
  type DailyUsage,
  fineSource,
  type GroupedUsage,
  type HistoryWindow,
  type Sql,
  usageByDay,
  usageByGroup,
} from '../../server/store';
import type { GroupBy } from '../../shared';

export async function coarseAndFine(
  db: Sql,
  workspaceId: string,
  runtimeId: string | null,
  w: HistoryWindow,
  groupBy: GroupBy | null,
): Promise<[DailyUsage[], DailyUsage[]] | [GroupedUsage[], GroupedUsage[]]> {
  return groupBy === null
    ? [
        await usageByDay(db, workspaceId, runtimeId, w),
        await usageByDay(db, workspaceId, runtimeId, w, {}, fineSource),
      ]
    : [
        await usageByGroup(db, workspaceId, runtimeId, w, groupBy),
        await usageByGroup(db, workspaceId, runtimeId, w, groupBy, {}, fineSource),
      ];
}
