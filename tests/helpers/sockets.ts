/**
 * socket.io-client helpers: connect to a namespace with a token, make an acked call, collect pushed events,
 * and wait for a condition.
 */
import { io, type Socket } from 'socket.io-client';
import type { Ack, HelloResult } from '../../shared';

export type ClientSocket = Socket;

/** Connects and resolves once connected; rejects with the connect_error message (e.g. "unauthorized"). */
export function connect(
  url: string,
  namespace: '/daemon' | '/dashboard',
  token: string,
): Promise<ClientSocket> {
  const socket = io(`${url}${namespace}`, {
    auth: { token },
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (err) => {
      socket.close();
      reject(err);
    });
  });
}

export async function call<T = unknown>(
  socket: ClientSocket,
  event: string,
  payload: unknown,
  timeoutMs = 15_000,
) {
  return (await socket.timeout(timeoutMs).emitWithAck(event, payload)) as Ack<T>;
}

/** Calls and expects ok:true; returns its data. */
export async function callOk<T = unknown>(socket: ClientSocket, event: string, payload: unknown): Promise<T> {
  const ack = await call<T>(socket, event, payload);
  if (!ack.ok) throw new Error(`${event} refused: ${ack.error.code} ${ack.error.message}`);
  return ack.data;
}

export function collect<T = unknown>(socket: ClientSocket, event: string): T[] {
  const seen: T[] = [];
  socket.on(event, (payload: T) => seen.push(payload));
  return seen;
}

export async function eventually<T>(
  check: () => T | Promise<T>,
  timeoutMs = 5_000,
  everyMs = 25,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const result = await check();
      if (result !== false && result !== undefined) return result;
      if (Date.now() > deadline) throw new Error('condition not met in time');
    } catch (err) {
      if (Date.now() > deadline) throw err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

let daemonCounter = 0;

/** A daemon id that is a valid uuid and unique within the test run. */
export function daemonId(): string {
  daemonCounter += 1;
  const hex = (Date.now() * 1000 + daemonCounter).toString(16).padStart(12, '0').slice(-12);
  return `6f1c2d3e-4a5b-4c6d-8e7f-${hex}`;
}

/** Registers one runtime per provider and returns their ids by provider. */
export async function hello(
  daemon: ClientSocket,
  providers: string[] = ['claude'],
  id: string = daemonId(),
): Promise<Record<string, string>> {
  const data = await callOk<HelloResult>(daemon, 'hello', {
    daemon_id: id,
    device_info: 'test-machine',
    runtimes: providers.map((provider) => ({ provider, name: `${provider}@test`, runtime_mode: 'local' })),
  });
  return Object.fromEntries(data.runtimes.map((r) => [r.provider, r.id]));
}
