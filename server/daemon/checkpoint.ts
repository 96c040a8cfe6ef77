/**
 * Writing the state file while the daemon runs: at most every 2 s and only when something it holds has changed
 * (a follow loop that saw nothing new does not rewrite it), or at once when forced (end of scan, shutdown).
 */
import type { Delivery } from './delivery';
import type { Logger } from './log';
import type { Scanner } from './scanner';
import type { DaemonState } from './state-file';

const MIN_INTERVAL_MS = 2000;

export class Checkpoint {
  private lastSave = 0;
  private savedFingerprint = '';

  constructor(
    private readonly state: DaemonState,
    private readonly scanner: Scanner,
    private readonly delivery: Delivery,
    private readonly log: Logger,
  ) {}

  async save(force = false): Promise<void> {
    if (!force && Date.now() - this.lastSave < MIN_INTERVAL_MS) return;
    const fp = this.fingerprint();
    if (!force && fp === this.savedFingerprint) return;
    this.savedFingerprint = fp;
    this.lastSave = Date.now();
    await this.state
      .save()
      .catch((err: Error) => this.log.error({ err: err.message }, 'cannot write the state file'));
  }

  /** What the state file depends on. */
  private fingerprint(): string {
    let bytes = 0;
    for (const c of this.scanner.counters.values()) bytes += c.bytes + c.lines;
    const st = this.delivery.stats;
    const outbox = this.state.outbox.size;
    return `${bytes}:${outbox}:${st.events}:${st.tasks}:${st.droppedEvents}:${st.droppedTasks}:${this.state.tasks.changes}`;
  }
}
