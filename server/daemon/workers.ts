/**
 * A few workers that each take turns in a loop, resting between turns as long as the turn says; kick() cuts
 * every rest short (something was queued or the connection came back). Delivery runs its calls on these.
 */
export class Workers {
  private readonly wakers = new Set<() => void>();
  private stopped = false;
  private loop: Promise<void> | null = null;

  /** `turn(index)` does one piece of work and answers how many ms to rest before the next (0: none). */
  constructor(
    private readonly count: number,
    private readonly turn: (index: number) => Promise<number>,
  ) {}

  start(): void {
    this.loop ??= this.run();
  }

  /** Stops taking turns at once (the flag is set before this returns); resolves when every turn has ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.kick();
    await this.loop;
  }

  kick(): void {
    for (const wake of [...this.wakers]) wake();
  }

  private async run(): Promise<void> {
    await Promise.all(Array.from({ length: this.count }, (_, i) => this.worker(i)));
  }

  private async worker(index: number): Promise<void> {
    while (!this.stopped) {
      const restMs = await this.turn(index);
      if (restMs > 0) await this.rest(restMs);
    }
  }

  private rest(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakers.add(done);
    });
  }
}
