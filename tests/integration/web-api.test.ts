/**
 * The dashboard's REST client against a real hub: every body is parsed with the shared schema of its route, every
 * failure is an ApiError with a contract code, and a body that does not match its schema never reaches a page.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Me, Runtime } from '../../shared';
import { ApiError, apiGet } from '../../web/src/live/api';
import { startTestHub, type TestHub } from '../helpers/hub';
import { type ClientSocket, connect, daemonId, hello } from '../helpers/sockets';

/** The rejection of `p`, which must be an ApiError. */
async function apiErrorOf(p: Promise<unknown>): Promise<{ status: number; code: string; message: string }> {
  const err = await p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApiError);
  const { status, code, message } = err as ApiError;
  return { status, code, message };
}

describe('dashboard REST client', () => {
  let hub: TestHub;
  let daemon: ClientSocket;
  let runtimeId: string;

  beforeAll(async () => {
    hub = await startTestHub();
    daemon = await connect(hub.url, '/daemon', hub.daemonToken);
    runtimeId = (await hello(daemon, ['claude'], daemonId())).claude!;
  });
  afterAll(async () => {
    daemon?.close();
    await hub?.destroy();
  });

  it('answers a body parsed with the schema of the route', async () => {
    const me = await apiGet(`${hub.url}/api/me`, hub.memberToken, Me);
    expect(me.workspace.id).toBe(hub.workspaceId);
    expect(me.token).toEqual({ id: hub.memberTokenId, role: 'member', name: 'test' });
    const runtimes = await apiGet(`${hub.url}/api/runtimes`, hub.memberToken, Runtime.array());
    expect(runtimes.map((r) => r.id)).toEqual([runtimeId]);
  });

  it("turns the hub's error body into an ApiError with its code and message", async () => {
    expect(await apiErrorOf(apiGet(`${hub.url}/api/me`, 'not-a-token', Me))).toEqual({
      status: 401,
      code: 'unauthorized',
      message: 'a valid member token is required',
    });
    const unknown = '00000000-0000-4000-8000-000000000000';
    expect(await apiErrorOf(apiGet(`${hub.url}/api/runtimes/${unknown}`, hub.memberToken, Runtime))).toEqual({
      status: 404,
      code: 'not_found',
      message: 'runtime not found',
    });
  });

  it('answers a JSON body that does not match the schema with an internal ApiError naming the route', async () => {
    expect(await apiErrorOf(apiGet(`${hub.url}/api/me`, hub.memberToken, Runtime.array()))).toEqual({
      status: 200,
      code: 'internal',
      message: `The hub answered ${hub.url}/api/me with a body this dashboard does not understand (Invalid input: expected array, received object).`,
    });
  });

  // Regression: web/src/live/api.ts returned `body as T`, so a 200 that was not JSON (the dashboard's index.html for
  // a path the hub does not route to the API) reached the page as `null` data instead of an error.
  it('answers a 200 that is not JSON with an internal ApiError, not null data', async () => {
    const answer = await apiErrorOf(apiGet(`${hub.url}/not-an-api-path`, hub.memberToken, Me));
    expect(answer.status).toBe(200);
    expect(answer.code).toBe('internal');
    expect(answer.message).toMatch(
      /^The hub answered .*\/not-an-api-path with a body this dashboard does not understand/,
    );
  });

  it('answers an error body that is not the contract one with an ApiError named after the status', async () => {
    // Engine.IO answers an unknown session with its own JSON error body, not `{ error, code }`.
    const path = `${hub.url}/socket.io/?EIO=4&transport=polling&sid=unknown`;
    expect(await apiErrorOf(apiGet(path, hub.memberToken, Me))).toEqual({
      status: 400,
      code: 'internal',
      message: '400 Bad Request',
    });
  });

  it('answers an unreachable hub with an unavailable ApiError', async () => {
    expect(await apiErrorOf(apiGet('http://127.0.0.1:1/api/me', hub.memberToken, Me))).toEqual({
      status: 0,
      code: 'unavailable',
      message: 'The hub cannot be reached. Check that it is running.',
    });
  });
});
