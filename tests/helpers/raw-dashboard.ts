/**
 * A hostile dashboard made by hand on a raw WebSocket: the Engine.IO open, then the Socket.IO connect to
 * `/dashboard`. It can stop reading (its TCP socket paused, so what the hub sends piles up in the kernel and then in
 * the hub) and write pongs nobody asked for.
 */
import WebSocket from 'ws';

export async function rawDashboard(port: number, token: string): Promise<WebSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`);
  await new Promise<void>((resolve, reject) => {
    ws.on('error', reject);
    ws.on('message', (data) => {
      const text = data.toString();
      if (text.startsWith('0{')) ws.send(`40/dashboard,${JSON.stringify({ token })}`);
      if (text.startsWith('40/dashboard,')) resolve();
    });
  });
  ws.on('error', () => {});
  return ws;
}

export const stopReading = (ws: WebSocket) =>
  (ws as unknown as { _socket: { pause(): void } })._socket.pause();

/** Writes an unsolicited Engine.IO pong every `everyMs`; returns the stop function. */
export function unsolicitedPongs(ws: WebSocket, everyMs: number): () => void {
  const timer = setInterval(() => {
    if (ws.readyState === WebSocket.OPEN) ws.send('3');
  }, everyMs);
  return () => clearInterval(timer);
}
