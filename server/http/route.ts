/**
 * A REST route declared once with zod schemas: the same declaration registers the Fastify handler (parsing every
 * input with its schema) and feeds the OpenAPI document, so the published API cannot drift from the code.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { HubError } from '../errors';
import type { TokenIdentity, TokenRole } from '../store';
import { parseOrThrow } from '../validate';

export type Auth = TokenRole | 'none';

export interface RouteContext<P, Q, B> {
  identity: TokenIdentity;
  params: P;
  query: Q;
  body: B;
  request: FastifyRequest;
  reply: FastifyReply;
}

export interface RouteSpec<P = unknown, Q = unknown, B = unknown> {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Fastify path syntax (`/api/runtimes/:id`). */
  url: string;
  summary: string;
  tag: string;
  auth: Auth;
  params?: z.ZodType<P>;
  query?: z.ZodType<Q>;
  body?: z.ZodType<B>;
  /** The documented body when the handler validates it itself (the daemon routes share the socket code path). */
  bodyDoc?: z.ZodType;
  response: z.ZodType;
  /** Other media types the route can answer with (documented only). */
  alsoProduces?: string[];
  /** Headers of a 200 answer, name → meaning (documented only). */
  responseHeaders?: Record<string, string>;
  handler: (ctx: RouteContext<P, Q, B>) => Promise<unknown>;
}

/** Declares a route; the generic parameters are inferred from the schemas. */
export function route<P, Q, B>(spec: RouteSpec<P, Q, B>): RouteSpec {
  return spec as unknown as RouteSpec;
}

export type Authenticate = (request: FastifyRequest, role: TokenRole) => Promise<TokenIdentity>;

export function registerRoutes(app: FastifyInstance, routes: RouteSpec[], authenticate: Authenticate): void {
  for (const spec of routes) {
    app.route({
      method: spec.method,
      url: spec.url,
      handler: async (request, reply) => {
        const identity =
          spec.auth === 'none'
            ? ({ id: '', workspace_id: '', role: 'member', name: '' } as TokenIdentity)
            : await authenticate(request, spec.auth);
        const params = spec.params ? parseParams(spec.params, request.params) : undefined;
        const query = spec.query ? parseOrThrow(spec.query, request.query ?? {}) : undefined;
        const body = spec.body ? parseOrThrow(spec.body, request.body) : request.body;
        const result = await spec.handler({ identity, params, query, body, request, reply });
        return reply.sent ? reply : result;
      },
    });
  }
}

/** A malformed id in the path names no resource we have: 404, like any unknown id. */
function parseParams<P>(schema: z.ZodType<P>, input: unknown): P {
  const result = schema.safeParse(input);
  if (!result.success) throw new HubError('not_found', 'not found');
  return result.data;
}
