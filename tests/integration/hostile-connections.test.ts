import { io, type Socket } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { clientAddress, trustedProxies } from '../../server/client-address';
import { ConfigError, loadConfig } from '../../server/config';
import { startTestHub, type TestHub } from '../helpers/hub';
import { eventually } from '../helpers/sockets';

const open: Socket[] = [];

/** Resolves 'connected' or the connect_error message. */
function attempt(url: string, token?: string, forwardedFor?: string): Promise<string> {
  const socket = io(url, {
    auth: token === undefined ? {} : { token },
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    ...(forwardedFor ? { extraHeaders: { 'x-forwarded-for': forwardedFor } } : {}),
  });
  open.push(socket);
  return new Promise((resolve) => {
    socket.once('connect', () => resolve('connected'));
    socket.once('connect_error', (err) => resolve(err.message));
  });
}

afterEach(() => {
  for (const s of open.splice(0)) s.close();
});

describe('client address behind proxies', () => {
  it('reads X-Forwarded-For only through listed proxies', () => {
    const trusted = trustedProxies(['10.0.0.0/8', '::1']);
    expect(clientAddress('10.1.2.3', '203.0.113.9, 10.9.9.9', trusted)).toBe('203.0.113.9');
    expect(clientAddress('::ffff:10.1.2.3', '203.0.113.9', trusted)).toBe('203.0.113.9');
    expect(clientAddress('198.51.100.7', '203.0.113.9', trusted)).toBe('198.51.100.7');
    expect(clientAddress('10.1.2.3', undefined, trusted)).toBe('10.1.2.3');
    expect(clientAddress('10.1.2.3', '203.0.113.9', trustedProxies([]))).toBe('10.1.2.3');
  });

  it('takes TRUST_PROXY as a list of addresses or subnets, refusing anything else', () => {
    expect(loadConfig({ TRUST_PROXY: '172.28.0.10, 10.0.0.0/8,::1' }).TRUST_PROXY).toEqual([
      '172.28.0.10',
      '10.0.0.0/8',
      '::1',
    ]);
    expect(loadConfig({}).TRUST_PROXY).toEqual([]);
    expect(() => loadConfig({ TRUST_PROXY: 'nginx' })).toThrow(ConfigError);
    expect(() => loadConfig({ TRUST_PROXY: '10.0.0.0/33' })).toThrow(ConfigError);
  });
});

describe('hostile connections', () => {
  let hub: TestHub;
  let proxied: TestHub;

  beforeAll(async () => {
    hub = await startTestHub({ config: { MAX_CONNECTIONS_PER_ADDRESS: 3, MAX_CONNECTIONS_PER_TOKEN: 2 } });
    proxied = await startTestHub({
      config: { MAX_CONNECTIONS_PER_ADDRESS: 1, TRUST_PROXY: ['127.0.0.1', '::1'] },
    });
  });
  afterAll(async () => {
    await proxied.destroy();
    await hub.destroy();
  });

  it('refuses the default namespace and closes its connection at once', async () => {
    expect(await attempt(hub.url)).toBe('unauthorized');
    expect(await attempt(`${hub.url}/`, hub.daemonToken)).toBe('unauthorized');
    await eventually(() => hub.hub.io.engine.clientsCount === 0, 2_000);
  });

  it('caps open connections per token and per address', async () => {
    const other = await hub.newWorkspace('other');
    expect(await attempt(`${hub.url}/daemon`, hub.daemonToken)).toBe('connected');
    expect(await attempt(`${hub.url}/daemon`, hub.daemonToken)).toBe('connected');
    expect(await attempt(`${hub.url}/daemon`, hub.daemonToken)).toBe('rate_limited');
    await eventually(() => hub.hub.io.engine.clientsCount === 2, 2_000);
    expect(await attempt(`${hub.url}/daemon`, other.daemonToken)).toBe('connected');
    // The fourth connection from this address is refused before any namespace.
    expect(await attempt(`${hub.url}/daemon`, other.daemonToken)).toBe('websocket error');
    open.shift()?.close();
    await eventually(() => hub.hub.io.engine.clientsCount === 2, 2_000);
    expect(await attempt(`${hub.url}/daemon`, hub.daemonToken)).toBe('connected');
  });

  it('counts clients behind a trusted proxy by their forwarded address, and ignores the header otherwise', async () => {
    const url = `${proxied.url}/daemon`;
    expect(await attempt(url, proxied.daemonToken, '203.0.113.1')).toBe('connected');
    expect(await attempt(url, proxied.daemonToken, '203.0.113.2')).toBe('connected');
    expect(await attempt(url, proxied.daemonToken, '203.0.113.2')).toBe('websocket error');
    // Without TRUST_PROXY a client cannot pick its own address.
    for (const s of open.splice(0)) s.close();
    expect(await attempt(`${hub.url}/daemon`, hub.daemonToken, '203.0.113.1')).toBe('connected');
    expect(await attempt(`${hub.url}/daemon`, hub.daemonToken, '203.0.113.2')).toBe('connected');
    const other = await hub.newWorkspace('third');
    expect(await attempt(`${hub.url}/daemon`, other.daemonToken, '203.0.113.3')).toBe('connected');
    expect(await attempt(`${hub.url}/daemon`, other.daemonToken, '203.0.113.4')).toBe('websocket error');
  });
});
