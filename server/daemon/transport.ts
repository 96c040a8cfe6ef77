/**
 * The three daemon calls of the contract, over either transport. Both answer with the socket ack envelope, so
 * the delivery loop handles one set of outcomes; a network failure is an `unavailable` ack.
 */
import type { Ack } from '../../shared/ack';
import { RestError } from '../../shared/errors';
import type { AcceptedResult, HelloPayload, HelloResult } from '../../shared/schemas';
import { ITEM_KINDS, type ItemKind, type PayloadOf } from './item-kinds';

export interface Transport {
  readonly kind: 'socket' | 'rest';
  hello(payload: HelloPayload): Promise<Ack<HelloResult>>;
  /** Sends a batch of usage events or of tasks. */
  send<K extends ItemKind>(kind: K, payload: PayloadOf<K>): Promise<Ack<AcceptedResult>>;
}

/** The hub URL without a trailing slash. */
export function baseUrl(url: string): string {
  return url.replace(/\/+$/, '');
}

/** REST fallback: `POST /api/daemon/{hello,usage,tasks}` with the daemon token; body = the socket payload. */
export function restTransport(url: string, token: string, timeoutMs: number): Transport {
  async function post<T>(path: string, body: unknown): Promise<Ack<T>> {
    let res: Response;
    try {
      res = await fetch(`${baseUrl(url)}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      return {
        ok: false,
        error: { code: 'unavailable', message: `REST ${path}: ${(err as Error).message}` },
      };
    }
    const text = await res.text().catch(() => '');
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {}
    if (res.ok) return { ok: true, data: json as T };
    const err = RestError.safeParse(json);
    if (err.success) return { ok: false, error: { code: err.data.code, message: err.data.error } };
    // A proxy's HTML error page or similar: classify by status.
    const code = res.status === 401 ? 'unauthorized' : res.status === 429 ? 'rate_limited' : 'unavailable';
    return { ok: false, error: { code, message: `REST ${path}: HTTP ${res.status}` } };
  }
  return {
    kind: 'rest',
    hello: (p) => post<HelloResult>('/api/daemon/hello', p),
    send: (kind, p) => post<AcceptedResult>(ITEM_KINDS[kind].route, p),
  };
}
