/**
 * The hello half of delivery: which runtimes the hub has been told about, their ids from its answer, and
 * whether a hello must go before any batch (on every connection, for a provider not yet announced, or when
 * fresh scan counters are asked for).
 */
import type { WireError } from '../../shared/errors';
import { type HelloPayload, HelloResult } from '../../shared/schemas';
import type { Transport } from './transport';

export type HelloOutcome = 'announced' | 'nothing to announce' | { error: WireError };

export class Announcer {
  /** provider → runtime id, from the last hello ack. */
  readonly runtimeIds = new Map<string, string>();
  /** Counts acknowledged hellos, so a refusal can tell whether a hello came after it. */
  generation = 0;
  private requested = true;
  private announced = new Set<string>();

  /** `hello`: the payload to send now, or null while there is no runtime to announce. */
  constructor(private readonly hello: () => HelloPayload | null) {}

  /** Asks for a hello before the next batch. */
  request(): void {
    this.requested = true;
  }

  /** True while a requested hello has not been acknowledged yet. */
  get pending(): boolean {
    return this.requested;
  }

  /** True when a hello must go before batches of these providers. */
  due(providers: string[]): boolean {
    return this.requested || providers.some((p) => !this.announced.has(p));
  }

  async announce(t: Transport): Promise<HelloOutcome> {
    const payload = this.hello();
    if (!payload) {
      this.requested = false;
      return 'nothing to announce';
    }
    const ack = await t.hello(payload);
    if (!ack.ok) return { error: ack.error };
    const parsed = HelloResult.safeParse(ack.data);
    if (!parsed.success) return { error: { code: 'internal', message: 'malformed hello ack' } };
    for (const r of parsed.data.runtimes) this.runtimeIds.set(r.provider, r.id);
    this.announced = new Set(payload.runtimes.map((r) => r.provider));
    this.requested = false;
    this.generation++;
    return 'announced';
  }
}
