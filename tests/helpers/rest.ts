/**
 * A small fetch wrapper for REST tests: JSON in, status and parsed body out.
 */
export interface RestAnswer<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
  text: string;
}

export async function rest<T = any>(
  url: string,
  options: { token?: string; method?: string; body?: unknown; rawBody?: string } = {},
): Promise<RestAnswer<T>> {
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const payload = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  if (payload !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(url, {
    method: options.method ?? (payload ? 'POST' : 'GET'),
    headers,
    body: payload,
  });
  const text = await res.text();
  let body: unknown = text;
  if ((res.headers.get('content-type') ?? '').includes('json')) body = JSON.parse(text);
  return { status: res.status, body: body as T, headers: res.headers, text };
}
