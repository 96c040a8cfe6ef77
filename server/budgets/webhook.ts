/**
 * One webhook POST: JSON body, a timeout over the whole exchange, and redirects followed only within the URL's own
 * origin (at most three), so an alert never lands on a host its owner did not name.
 */
import { isSlackWebhook } from '../../shared';

export interface WebhookAnswer {
  status: number;
}

const MAX_REDIRECTS = 3;

/** POSTs `body`; resolves with the final status, rejects on a network error, timeout or refused redirect. */
export async function postWebhook(
  url: string,
  body: unknown,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<WebhookAnswer> {
  const signal = AbortSignal.timeout(timeoutMs);
  const origin = new URL(url).origin;
  const text = JSON.stringify(body);
  let current = url;
  for (let hop = 0; ; hop++) {
    const res = await fetch(current, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: text,
      redirect: 'manual',
      signal,
    });
    await res.body?.cancel();
    const location = res.headers.get('location');
    if (res.status < 300 || res.status >= 400 || !location) return { status: res.status };
    const next = new URL(location, current);
    if (next.origin !== origin) throw new Error(`redirect to another host (${next.host}) refused`);
    if (hop >= MAX_REDIRECTS) throw new Error('too many redirects');
    current = next.href;
  }
}

/** The body a URL gets: Slack incoming webhooks take `{ text }`, every other URL the generic JSON. */
export function bodyFor(url: string, generic: unknown, text: string): unknown {
  return isSlackWebhook(url) ? { text } : generic;
}
