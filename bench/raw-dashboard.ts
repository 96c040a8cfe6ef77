/**
 * A lean dashboard client for the fan-out benchmarks: the Socket.IO protocol spoken directly over a WebSocket
 * (`ws`, the library the hub's own engine uses) — the Engine.IO handshake, the namespace CONNECT with the member
 * token, pong for every ping — and `usage` messages counted and scanned for benchmark models without a full
 * JSON decode. On a small machine that also runs the hubs, Postgres and Redis, the receiving side then costs as
 * little CPU as possible, so what is measured is the hub's fan-out rather than the clients' parsing.
 */
import WebSocket from 'ws';

export interface RawDashboard {
  close(): void;
}

const USAGE = '42/dashboard,["usage",';
const LAT = '"model":"lat-';

/**
 * Connects to `/dashboard`; resolves once the namespace accepted the token. `onUsage` gets, per `usage` message,
 * the emit times (epoch µs) of the benchmark deltas it carries.
 */
export function connectRawDashboard(
  baseUrl: string,
  token: string,
  timeoutMs: number,
  onUsage: (latEmitUs: number[]) => void,
): Promise<RawDashboard> {
  const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`, {
    perMessageDeflate: false,
  });
  return new Promise((resolve, reject) => {
    let connected = false;
    const timer = setTimeout(() => fail(new Error('timeout')), timeoutMs);
    const fail = (err: Error) => {
      clearTimeout(timer);
      ws.terminate();
      if (!connected) reject(err);
    };
    ws.on('error', fail);
    ws.on('message', (raw: WebSocket.RawData, isBinary: boolean) => {
      if (isBinary) return;
      const text = raw.toString();
      if (text.startsWith(USAGE)) {
        const emits: number[] = [];
        for (let i = text.indexOf(LAT); i >= 0; i = text.indexOf(LAT, i + LAT.length)) {
          const start = i + LAT.length;
          emits.push(Number(text.slice(start, text.indexOf('-', start))));
        }
        onUsage(emits);
      } else if (text === '2') ws.send('3');
      else if (text.startsWith('0')) ws.send(`40/dashboard,${JSON.stringify({ token })}`);
      else if (text.startsWith('40/dashboard')) {
        connected = true;
        clearTimeout(timer);
        resolve({ close: () => ws.close() });
      } else if (text.startsWith('44/dashboard')) {
        fail(new Error(/"message":"([^"]*)"/.exec(text)?.[1] ?? 'refused'));
      }
    });
  });
}
