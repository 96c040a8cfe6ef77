/**
 * Requests started by boot.ts (inlined in index.html) before the app's code has loaded, handed to the first
 * apiGet of the same path and token. Each is used once and only while fresh, so a later load always asks the
 * hub again. The inlined copy of this module and the app's share one map on `globalThis`.
 */

/** Older than this, a prefetched answer is not used (the store asks again). */
const FRESH_MS = 5000;

/** A request started early: its response, and its JSON body, parsed as soon as it has arrived. */
export interface Early {
  response: Promise<Response>;
  /** undefined when the body is not JSON (as apiGet reads a body). */
  body: Promise<unknown>;
}

interface Prefetched extends Early {
  token: string;
  at: number;
}

declare global {
  // One map for the inlined boot script and the app (`var`: a property of globalThis, which is `window` in a page).
  var runtimeHubPrefetch: Map<string, Prefetched> | undefined;
}

function started(): Map<string, Prefetched> {
  globalThis.runtimeHubPrefetch ??= new Map();
  return globalThis.runtimeHubPrefetch;
}

/** Starts GET `path` with the member token; its answer waits for `takePrefetched`. */
export function prefetch(path: string, token: string): void {
  const response = fetch(path, {
    headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' },
  });
  // Nobody may ever take it (the page changed): a network failure must not surface as an unhandled rejection.
  response.catch(() => undefined);
  // Parsed in the first free moment after it arrives, typically while the app's bundle is still loading.
  const body = response.then((r) => r.json()).catch(() => undefined);
  started().set(path, { token, at: performance.now(), response, body });
}

/** The prefetched answer of `path` for `token`, once; undefined when there is none or it is stale. */
export function takePrefetched(path: string, token: string): Early | undefined {
  const p = started().get(path);
  if (!p) return undefined;
  started().delete(path);
  return p.token === token && performance.now() - p.at <= FRESH_MS ? p : undefined;
}

/**
 * Drops what was not taken (a zone guessed wrong): once the app has asked for its first data, an early answer
 * could only be mistaken later for a fresh one.
 */
export function discardPrefetched(): void {
  started().clear();
}
