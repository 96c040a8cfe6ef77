/**
 * A webhook receiver on 127.0.0.1 for alert tests: records every request (headers and parsed JSON body) and answers
 * as the test says (a status, a redirect, or a delay).
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: any;
  at: number;
}

export type Answer = (req: Received, nth: number) => { status?: number; location?: string; delayMs?: number };

export interface WebhookReceiver {
  url: string;
  received: Received[];
  /** Changes how later requests are answered. */
  answer(fn: Answer): void;
  close(): Promise<void>;
}

export async function startWebhookReceiver(
  answer: Answer = () => ({ status: 200 }),
): Promise<WebhookReceiver> {
  let current = answer;
  const received: Received[] = [];
  const server = createServer((req, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const got: Received = {
        path: req.url ?? '',
        headers: req.headers,
        body: text ? JSON.parse(text) : null,
        at: Date.now(),
      };
      received.push(got);
      const { status = 200, location, delayMs = 0 } = current(got, received.length);
      setTimeout(() => {
        if (location) res.setHeader('location', location);
        res.statusCode = status;
        res.end('ok');
      }, delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    answer: (fn) => {
      current = fn;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
