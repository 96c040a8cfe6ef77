/** What one bench run measured, scenario by scenario, and the run as a whole (rows.ts and report.ts read it). */
import type { Machine } from './machine';
import type { Scale } from './scale';
import type { ScaleResult } from './scale-history';
import type { AttributionResult } from './scenarios/attribution';
import type { CommitLatency } from './scenarios/commit';
import type { ConnectionsResult } from './scenarios/connections';
import type { FanoutResult } from './scenarios/fanout';
import type { IngestRun } from './scenarios/ingest';
import type { RestResult } from './scenarios/rest';
import type { ChartsResult, JsSize } from './scenarios/web';
import type { Row } from './table';

export const SCENARIOS = [
  'ceiling',
  'seed',
  'hub',
  'commit',
  'rest',
  'attribution',
  'web',
  'fanout',
  'latency',
  'connections',
  'scale',
] as const;
export type Scenario = (typeof SCENARIOS)[number];

export interface Measured {
  ceiling?: IngestRun[];
  seed?: { runs: IngestRun[]; rowsWritten: number };
  hub?: { runs: IngestRun[]; rowsWritten: number };
  commit?: CommitLatency[];
  fanout?: FanoutResult[];
  latency?: { ratePerS: number; result: FanoutResult }[];
  connections?: ConnectionsResult;
  rest?: RestResult;
  attribution?: AttributionResult;
  webSize?: JsSize | null;
  webBuildError?: string | null;
  webCharts?: ChartsResult;
  webError?: string;
  scale?: ScaleResult;
}

export interface BenchResult {
  scale: Scale['name'];
  startedAt: string;
  seconds: number;
  machine: Machine & { loadAverageBefore: number[]; loadAverageAfter: number[] };
  rows: Row[];
  measured: Measured;
  /** Scenario → why it failed. */
  errors: Record<string, string>;
}
