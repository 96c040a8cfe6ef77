/**
 * Loaded into a hub with `node --import ./bench/web-net-probe.mjs` (bench/web-net.ts does): writes, per HTTP
 * request and per accepted connection, the hub's own timestamps on CLOCK_MONOTONIC (process.hrtime, the clock of
 * Chromium's TimeTicks on Linux) as JSON lines to $WEB_NET_LOG, so a page load's requests can be lined up with the
 * browser's view of them. Nothing of the hub is changed: it listens on Node's diagnostics channels.
 */
import { subscribe } from 'node:diagnostics_channel';
import { appendFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const file = process.env.WEB_NET_LOG;
const now = () => Number(process.hrtime.bigint() / 1000n) / 1000; // ms, CLOCK_MONOTONIC
const pending = [];
const flush = () => {
  if (file && pending.length > 0)
    appendFileSync(
      file,
      pending
        .splice(0)
        .map((l) => JSON.stringify(l))
        .join('\n') + '\n',
    );
};
setInterval(flush, 100).unref();
process.on('exit', flush);

subscribe('net.server.socket', ({ socket }) => {
  pending.push({ kind: 'accept', at: now(), port: socket.remotePort });
});

// Outgoing connections (Postgres, Redis): a request that has to open a pool connection first shows here.
subscribe('net.client.socket', ({ socket }) => {
  const rec = { kind: 'connect', at: now() };
  socket.once('connect', () => {
    rec.connected = now();
    rec.remote = socket.remotePort;
    pending.push(rec);
  });
});

// Each Postgres query's start and end (the hub imports the same `pg` as this file): what a request waits for.
const pg = (await import('pg')).default;
const query = pg.Client.prototype.query;
pg.Client.prototype.query = function (config, ...rest) {
  const text = typeof config === 'string' ? config : (config?.text ?? '');
  const rec = { kind: 'query', start: now(), text: text.replace(/\s+/g, ' ').slice(0, 50) };
  const done = (failed) => pending.push({ ...rec, end: now(), failed });
  const cb = rest.findIndex((a) => typeof a === 'function');
  if (cb >= 0) {
    const f = rest[cb];
    rest[cb] = (err, res) => {
      done(Boolean(err));
      return f(err, res);
    };
  } else if (typeof config?.callback === 'function') {
    const f = config.callback;
    config.callback = (err, res) => {
      done(Boolean(err));
      return f(err, res);
    };
  }
  const out = query.call(this, config, ...rest);
  if (out && typeof out.then === 'function')
    out.then(
      () => done(false),
      () => done(true),
    );
  return out;
};

subscribe('http.server.request.start', ({ request, response, socket }) => {
  const rec = {
    kind: 'request',
    port: socket.remotePort,
    url: request.url,
    ae: request.headers['accept-encoding'],
    start: now(),
    n: (socket._hw4n ?? 0) + 1,
  };
  socket._hw4n = rec.n;
  const writeHead = response.writeHead;
  response.writeHead = function (...args) {
    rec.writeHead ??= now();
    return writeHead.apply(this, args);
  };
  const origWrite = socket.write;
  if (!socket._hw4) {
    socket._hw4 = true;
    socket.write = function (...args) {
      const r = socket._hw4rec;
      if (r && r.firstWrite === undefined) r.firstWrite = now();
      if (r) r.writes = (r.writes ?? 0) + 1;
      return origWrite.apply(this, args);
    };
  }
  socket._hw4rec = rec;
  response.on('finish', () => {
    rec.finish = now();
    rec.status = response.statusCode;
    rec.length = response.getHeader('content-length');
    pending.push(rec);
  });
});

// Event-loop delay of the hub, sampled every 1 ms: a busy loop at the page's moment shows as late timers.
const loop = monitorEventLoopDelay({ resolution: 1 });
loop.enable();
setInterval(() => {
  if (loop.count > 0) pending.push({ kind: 'loop', at: now(), max: loop.max / 1e6, mean: loop.mean / 1e6 });
  loop.reset();
}, 20).unref();
