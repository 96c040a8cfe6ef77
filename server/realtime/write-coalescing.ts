/**
 * One `writev` per dashboard per tick instead of one per message. ws writes each WebSocket frame with its own
 * cork/uncork, so a commit that pushes several runtimes' deltas to a dashboard made as many syscalls as frames
 * per screen (`writev` was the top item of a fan-out node's profile). Here, the first packet a connection creates
 * in a tick, and every batch engine.io flushes to it, cork its TCP socket until the tick ends: the frames of that
 * tick leave together (at most two writes: the first frame, then what engine.io queued behind it). Nothing waits
 * longer than the current tick. Applied to `/dashboard` only: on `/daemon` (acks) the interleaved runs on the
 * shared machine could not tell a gain from noise, so the ack path is left as it was.
 */
import type { HubNamespace } from './io';

/** The parts of engine.io's socket we use: untyped internals, checked for shape before use. */
interface EngineSocket {
  transport?: { socket?: { _socket?: Corkable } };
  on(event: 'packetCreate' | 'flush', listener: () => void): void;
}

interface Corkable {
  cork(): void;
  uncork(): void;
  destroyed?: boolean;
}

/** Corks this connection's TCP socket (websocket transport only) until the end of the current tick. */
function corker(engine: EngineSocket): () => void {
  let corked: Corkable | null = null;
  const uncork = () => {
    const socket = corked;
    corked = null;
    socket?.uncork();
  };
  return () => {
    if (corked) return;
    const socket = engine.transport?.socket?._socket;
    if (!socket || typeof socket.cork !== 'function' || socket.destroyed) return;
    corked = socket;
    socket.cork();
    process.nextTick(uncork);
  };
}

/** Coalesces the writes to every connection of this namespace. */
export function coalesceWrites(namespace: HubNamespace): void {
  namespace.on('connection', (socket) => {
    const engine = socket.conn as unknown as EngineSocket;
    const cork = corker(engine);
    engine.on('packetCreate', cork);
    engine.on('flush', cork);
  });
}
