/**
 * The bodies of cached history answers, compressed once and sent as bytes. A runtime page's 90-day usage answer is
 * ~200 KB of JSON (720 rows): serialized again for every viewer, it held the hub's event loop (and the two other
 * answers of the page queued behind it) for ~1 ms quiet, ~5 ms loaded, and its bytes kept the browser's network
 * service reading while the page's other requests waited to be sent. Compressed it is ~10 % of that.
 * A cached answer never changes (its key names the version it was read at), so its encoded bytes are kept beside it,
 * for as long as the cache holds the answer (a WeakMap on the answer), and compressed off the event loop (zlib's
 * thread pool) after the first time it is sent plain: nobody waits for the compression.
 */
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import type { FastifyReply, FastifyRequest } from 'fastify';

type Coding = 'br' | 'gzip';

/** Smaller bodies gain nothing worth a header (an activity answer is ~0.5 KB). */
export const MIN_COMPRESSED_BYTES = 1024;

const compressors: Record<Coding, (json: string) => Promise<Buffer>> = {
  // Quality 5: within a few % of the best ratio on these rows, ~10× faster than the default 11.
  br: (json) =>
    promisify(brotliCompress)(json, {
      params: { [constants.BROTLI_PARAM_QUALITY]: 5, [constants.BROTLI_PARAM_SIZE_HINT]: json.length },
    }),
  gzip: (json) => promisify(gzip)(json),
};

/** Per cached answer: its bytes in each coding once compressed, `pending` while compressing. */
const encoded = new WeakMap<object, Partial<Record<Coding, Buffer | 'pending'>>>();

/** The coding to answer in: br before gzip, when the client accepts it (`;q=0` refuses one). */
export function acceptedCoding(header: string | undefined): Coding | undefined {
  if (!header) return undefined;
  const accepted = new Set<string>();
  for (const part of header.toLowerCase().split(',')) {
    const [name = '', ...params] = part.split(';').map((s) => s.trim());
    const q = params.find((p) => p.startsWith('q='));
    if (q === undefined || Number(q.slice(2)) > 0) accepted.add(name);
  }
  return accepted.has('br') ? 'br' : accepted.has('gzip') ? 'gzip' : undefined;
}

/**
 * Sends `answer` (a cached answer: the same object for as long as it is cached) as JSON, compressed when the
 * client accepts it and the compressed bytes are ready; otherwise plain, and starts compressing it for the next.
 */
export function sendCachedAnswer(request: FastifyRequest, reply: FastifyReply, answer: object): FastifyReply {
  // A shared cache must key on the client's encodings: the same URL answers in either.
  const vary = reply.getHeader('vary');
  reply.header('vary', vary ? `${String(vary)}, accept-encoding` : 'accept-encoding');
  reply.type('application/json; charset=utf-8');
  const coding = acceptedCoding(request.headers['accept-encoding']);
  const held = encoded.get(answer);
  const bytes = coding ? held?.[coding] : undefined;
  if (coding && bytes instanceof Buffer) return reply.header('content-encoding', coding).send(bytes);
  const json = JSON.stringify(answer);
  if (coding && bytes === undefined && Buffer.byteLength(json) >= MIN_COMPRESSED_BYTES) {
    const entry = held ?? {};
    entry[coding] = 'pending';
    encoded.set(answer, entry);
    compressors[coding](json).then(
      (b) => {
        entry[coding] = b;
      },
      () => {
        // Out of memory or the like: stays plain; a later answer tries again.
        delete entry[coding];
      },
    );
  }
  return reply.send(json);
}
