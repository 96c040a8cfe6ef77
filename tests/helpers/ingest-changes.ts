/** Ingest's outgoing port with nobody listening: a test or bench overrides the one report it watches. */
import type { IngestChanges } from '../../server/ingest/changes';

export const unheardChanges: IngestChanges = {
  usageCommitted: () => {},
  tasksCommitted: () => {},
  dailyTotalsReplaced: () => {},
  runtimesRegistered: () => {},
  runtimeStatusChanged: () => {},
  changesUnreported: () => {},
  budgetChanged: () => {},
};
