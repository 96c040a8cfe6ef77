/**
 * One `writev` per socket per tick instead of one per message. ws writes each WebSocket frame with its own
 * cork/uncork, so a commit that acks four calls of one daemon, or pushes several runtimes' deltas to one
 * dashboard, made as many syscalls as frames (`writev` was the top item of the hub's profile). Here, the first
 * packet a connection creates in a tick, and every batch engine.io flushes to it, cork its TCP socket until the
 * tick ends: the frames of that tick leave together. Nothing waits longer than the current tick.
 */
import type { HubServer } from './io';

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

export function coalesceWrites(io: HubServer): void {
  io.engine.on('connection', (engine: EngineSocket) => {
    const cork = corker(engine);
    engine.on('packetCreate', cork);
    engine.on('flush', cork);
  });
}
