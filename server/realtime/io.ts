/**
 * The hub's Socket.IO server, typed with the shared event maps: an event the maps do not name, or a payload of
 * the wrong shape, does not compile. `SocketData` is what the handshake stores on each socket.
 */
import type { Namespace, Server, Socket } from 'socket.io';
import type { ClientToServerEvents, InterServerEvents, ServerToClientEvents } from '../../shared';
import type { TokenIdentity } from '../store';

/** What `requireToken` stores on a socket once its handshake passed. */
export function socketData(identity: TokenIdentity) {
  return {
    identity,
    /** Size of the last packet read from this socket, for per-call payload limits. */
    lastPacketBytes: 0,
  };
}
export type SocketData = ReturnType<typeof socketData>;

export type HubServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
export type HubNamespace = Namespace<
  ClientToServerEvents,
  ServerToClientEvents,
  InterServerEvents,
  SocketData
>;

export type HubSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
