/**
 * The Fastify instance: JSON body limits, bearer-token authentication, the contract's error bodies
 * (`{ error, code }`, never a stack or SQL) and the built dashboard at `/`.
 */
import { existsSync } from 'node:fs';
import { STATUS_CODES } from 'node:http';
import { fileURLToPath } from 'node:url';
import fastifyCors from '@fastify/cors';
import fastifyHelmet from '@fastify/helmet';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import type { Logger } from 'pino';
import { USAGE_SNAPSHOT_HEADER } from '../../shared';
import type { IsTrustedProxy } from '../client-address';
import { fromStoreError, HubError, toRestError } from '../errors';
import { type Database, findToken, StoreError, type TokenRole } from '../store';
import { dashboardCacheHeaders } from './dashboard-cache';
import { inlineScriptHashesOf } from './inline-scripts';
import { DebugRequestLog } from './request-log';
import { type RouteSpec, registerRoutes } from './route';

const WEB_DIST = fileURLToPath(new URL('../../web/dist/', import.meta.url));

export function bearerAuth(db: Database) {
  return async (request: FastifyRequest, role: TokenRole) => {
    const header = request.headers.authorization ?? '';
    const match = /^Bearer ([A-Za-z0-9_-]{1,200})$/.exec(header);
    const identity = match ? await findToken(db, match[1]!) : undefined;
    if (!identity || identity.role !== role)
      throw new HubError('unauthorized', `a valid ${role} token is required`);
    return identity;
  };
}

/** Answers with the contract's error body and the status of its code. */
function sendError(reply: FastifyReply, err: HubError): FastifyReply {
  const { status, body } = toRestError(err);
  return reply.code(status).send(body);
}

/**
 * The same answer written on a raw socket, for requests Node refuses before any reply object exists. The
 * connection is closed: the parser that refused the request cannot read the next one.
 */
function rawErrorResponse(err: HubError): string {
  const { status, body } = toRestError(err);
  const text = JSON.stringify(body);
  return (
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\n` +
    `Content-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`
  );
}

/** Fastify's own errors (body too large, bad JSON, wrong media type) mapped onto contract codes. */
function fromFastifyError(err: { code?: string; statusCode?: number }): HubError {
  if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || err.statusCode === 413) {
    return new HubError('too_large', 'request body too large');
  }
  if (err.statusCode === 429) return new HubError('rate_limited', 'too many requests');
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
    return new HubError('invalid_payload', 'request body is not valid JSON of type application/json');
  }
  return new HubError('internal', 'internal error');
}

export async function createHttpServer(options: {
  db: Database;
  logger: Logger;
  maxPayloadBytes: number;
  corsOrigins: string[];
  restRatePerMinute: number;
  /** Proxies whose X-Forwarded-For names the client (request.ip, and so the per-address rate limit). */
  isTrustedProxy?: IsTrustedProxy;
}): Promise<FastifyInstance> {
  const isTrustedProxy = options.isTrustedProxy ?? (() => false);
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    trustProxy: (address: string) => isTrustedProxy(address),
    logController: new DebugRequestLog(),
    // Requests Fastify refuses before routing still get the contract's error body: a malformed or over-long path
    // names no resource we have.
    frameworkErrors: (err, _request, reply) => {
      const notFound = err.code === 'FST_ERR_BAD_URL' || err.code === 'FST_ERR_MAX_PARAM_LENGTH';
      const hubError = notFound ? new HubError('not_found', 'not found') : fromFastifyError(err);
      void sendError(reply as FastifyReply, hubError);
    },
    // Node refuses a request line or headers over its limit before Fastify sees them (431): answer 413 too_large.
    clientErrorHandler: (err, socket) => {
      if (!socket.writable) {
        socket.destroy();
        return;
      }
      const tooLarge = (err as { code?: string }).code === 'HPE_HEADER_OVERFLOW';
      socket.end(
        rawErrorResponse(
          tooLarge
            ? new HubError('too_large', 'request line or headers too large')
            : new HubError('invalid_payload', 'bad request'),
        ),
      );
    },
    bodyLimit: options.maxPayloadBytes,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
  });

  app.setErrorHandler((err, request, reply) => {
    // The dashboard's file route refuses odd paths (`..`, NUL, `//api/…`) with its own 4xx: such a path names no
    // resource, whatever the plugin thought of it.
    const status = (err as { statusCode?: number }).statusCode ?? 500;
    const hubError =
      err instanceof HubError
        ? err
        : err instanceof StoreError
          ? fromStoreError(err)
          : request.routeOptions.url === '/*' && status < 500
            ? new HubError('not_found', 'not found')
            : fromFastifyError(err as { code?: string; statusCode?: number });
    if (hubError.code === 'internal') request.log.error({ err }, 'request failed');
    return sendError(reply, hubError);
  });

  await app.register(fastifyHelmet, {
    contentSecurityPolicy: {
      useDefaults: true,
      directives: {
        // The dashboard talks to its own origin only (REST and the Socket.IO WebSocket).
        'connect-src': ["'self'"],
        // Its one inline script (the early fetches of web/src/boot.ts), by hash.
        'script-src': ["'self'", ...inlineScriptHashesOf(`${WEB_DIST}index.html`)],
        'img-src': ["'self'", 'data:', 'blob:'],
        // Served over plain HTTP on localhost too: do not force https subresources.
        'upgrade-insecure-requests': null,
      },
    },
    // The API is read by scripts and other origins only when CORS_ORIGINS allows them.
    crossOriginResourcePolicy: { policy: 'same-origin' },
  });
  if (options.corsOrigins.length > 0) {
    await app.register(fastifyCors, {
      origin: options.corsOrigins,
      allowedHeaders: ['authorization', 'content-type'],
      // A script of another origin may merge live pushes into a usage answer as the dashboard does.
      exposedHeaders: [USAGE_SNAPSHOT_HEADER],
    });
  }
  await app.register(fastifyRateLimit, {
    max: options.restRatePerMinute,
    timeWindow: 60_000,
    allowList: (request) => /^\/(healthz|readyz|metrics)$/.test(request.url),
  });

  const hasDashboard = existsSync(`${WEB_DIST}index.html`);
  // wildcard: files are looked up per request, so a rebuilt dashboard is served without a restart.
  // preCompressed: the build wrote a .br and a .gz beside each text file (web/vite.config.ts), sent as they are
  // to a browser that accepts them, so no answer is compressed per request.
  if (hasDashboard) {
    await app.register(fastifyStatic, {
      root: WEB_DIST,
      wildcard: true,
      preCompressed: true,
      setHeaders: dashboardCacheHeaders,
    });
  }
  app.setNotFoundHandler((request, reply) => {
    const isApi = /^\/(api|socket\.io|metrics|healthz|readyz)(\/|$)/.test(request.url);
    if (!isApi && request.method === 'GET' && hasDashboard) return reply.sendFile('index.html');
    if (!isApi && request.method === 'GET') {
      return reply
        .type('text/plain')
        .send('The dashboard is not built yet: run `npm run build:web` (npm start does).');
    }
    return sendError(reply, new HubError('not_found', 'not found'));
  });
  return app;
}

/** Mounts the route table (after the app has built it: some routes depend on the Socket.IO server). */
export function mountRoutes(app: FastifyInstance, routes: RouteSpec[], db: Database): void {
  registerRoutes(app, routes, bearerAuth(db));
}
