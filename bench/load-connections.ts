/**
 * Load generator process: idle daemon connections (`/daemon`, daemon token, no calls). On `hold` it opens
 * connections until it holds that many and says `held`; on `close` it closes them all and exits.
 */
import type { Socket } from 'socket.io-client';
import { connectSocket, countInto, openMany } from './connect';
import { childConfig, runChild, say } from './protocol';

export interface ConnectionLoadConfig {
  url: string;
  token: string;
  concurrency: number;
  maxSeconds: number;
}

const config = childConfig<ConnectionLoadConfig>();

runChild(async (commands) => {
  const held: Socket[] = [];
  let lost = 0;
  for await (const c of commands) {
    if (c.type === 'hold') {
      const want = Number(c.count);
      const { opened, failed, errors } = await openMany(
        Math.max(0, want - held.length),
        config.concurrency,
        () => connectSocket(`${config.url}/daemon`, config.token, 30_000),
      );
      for (const s of opened) {
        s.on('disconnect', () => {
          lost++;
        });
        held.push(s);
      }
      if (lost > 0) countInto(errors, `${lost} dropped after connecting`);
      say({ type: 'held', held: held.length - lost, failed, errors });
    } else if (c.type === 'close') {
      for (const s of held) s.close();
      process.exit(0);
    }
  }
}, config.maxSeconds);
