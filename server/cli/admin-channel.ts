/**
 * How `runtime-hub link` reaches a hub that holds the embedded database (which belongs to one process). The hub
 * listens on 127.0.0.1 at a random port and writes that address and a random secret to DATA_DIR/admin.json,
 * readable by its owner only (0600); the CLI reads the file and calls with the secret. So only someone who can
 * read DATA_DIR — who could open the database files anyway — can ask, and nothing is reachable from the network.
 * It answers one request: a new member token and its dashboard link.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { z } from 'zod';
import { UsageError } from './usage-error';

const CHANNEL_FILE = 'admin.json';
const MAX_BODY_BYTES = 4096;

const ChannelFile = z.object({ url: z.url(), secret: z.string().min(32) });
export const LinkRequest = z.object({ workspace: z.uuid().optional() });
export const LinkResult = z.object({
  id: z.string(),
  token: z.string(),
  role: z.literal('member'),
  workspace_id: z.string(),
  link: z.string(),
});
export type LinkResult = z.infer<typeof LinkResult>;
const ChannelAnswer = z.union([
  z.object({ ok: z.literal(true), result: LinkResult }),
  z.object({ ok: z.literal(false), error: z.string(), usage: z.boolean() }),
]);
type ChannelAnswer = z.infer<typeof ChannelAnswer>;

/** Starts the channel for a hub on `dataDir`; the returned function closes it and removes the file. */
export async function openAdminChannel(
  dataDir: string,
  link: (request: z.infer<typeof LinkRequest>) => Promise<LinkResult>,
): Promise<() => Promise<void>> {
  const secret = randomBytes(32).toString('base64url');
  const expected = Buffer.from(`Bearer ${secret}`);
  const server = createServer((req, res) => {
    const answer = (status: number, body: ChannelAnswer) => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    const given = Buffer.from(req.headers.authorization ?? '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      return answer(401, { ok: false, error: 'not allowed', usage: false });
    if (req.method !== 'POST' || req.url !== '/link')
      return answer(404, { ok: false, error: 'no such request', usage: false });
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
      if (body.length > MAX_BODY_BYTES) req.destroy();
    });
    req.on('end', async () => {
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        return answer(400, { ok: false, error: 'the request is not JSON', usage: false });
      }
      const request = LinkRequest.safeParse(json);
      if (!request.success)
        return answer(400, { ok: false, error: '--workspace must be a uuid', usage: true });
      try {
        answer(200, { ok: true, result: await link(request.data) });
      } catch (err) {
        answer(err instanceof UsageError ? 400 : 500, {
          ok: false,
          error: (err as Error).message,
          usage: err instanceof UsageError,
        });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const file = join(dataDir, CHANNEL_FILE);
  writeFileSync(file, JSON.stringify({ url: `http://127.0.0.1:${port}`, secret }), { mode: 0o600 });
  chmodSync(file, 0o600); // writeFileSync keeps the mode of a file left by a hub that was killed
  return async () => {
    rmSync(file, { force: true });
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
}

/** Asks the hub running on `dataDir` for a new member token and link. */
export async function linkThroughRunningHub(dataDir: string, workspace?: string): Promise<LinkResult> {
  let channel: z.infer<typeof ChannelFile>;
  try {
    channel = ChannelFile.parse(JSON.parse(readFileSync(join(dataDir, CHANNEL_FILE), 'utf8')));
  } catch {
    throw new UsageError(
      `the hub running on ${dataDir} offers no admin channel (${CHANNEL_FILE} is missing or unreadable); restart it with this version`,
    );
  }
  let response: Response;
  try {
    response = await fetch(`${channel.url}/link`, {
      method: 'POST',
      headers: { authorization: `Bearer ${channel.secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ workspace }),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (err) {
    throw new Error(
      `the hub running on ${dataDir} did not answer at ${channel.url}: ${(err as Error).message}`,
    );
  }
  const answer = ChannelAnswer.parse(await response.json());
  if (answer.ok) return answer.result;
  if (answer.usage) throw new UsageError(answer.error);
  throw new Error(`the running hub could not make a link: ${answer.error}`);
}
