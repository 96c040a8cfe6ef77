/**
 * The OpenAPI 3.1 document of the REST API, generated from the route table's zod schemas (served at
 * /api/openapi.json).
 */
import { z } from 'zod';
import { RestError } from '../../shared';
import type { RouteSpec } from './route';

type JsonSchema = Record<string, unknown>;

const toSchema = (schema: z.ZodType, io: 'input' | 'output'): JsonSchema => {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
};

function parameters(schema: z.ZodType | undefined, where: 'path' | 'query') {
  if (!schema) return [];
  const json = toSchema(schema, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, s]) => ({
    name,
    in: where,
    required: where === 'path' || (json.required ?? []).includes(name),
    schema: s,
  }));
}

/** Response headers as OpenAPI documents them: each a string with its meaning. */
const headersDoc = (headers: Record<string, string>) =>
  Object.fromEntries(
    Object.entries(headers).map(([name, description]) => [name, { description, schema: { type: 'string' } }]),
  );

export function openApiDocument(routes: RouteSpec[], version: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  const error = { content: { 'application/json': { schema: toSchema(RestError, 'output') } } };
  for (const r of routes) {
    const path = r.url.replace(/:(\w+)/g, '{$1}');
    const content: Record<string, unknown> = {
      'application/json': { schema: toSchema(r.response, 'output') },
    };
    for (const type of r.alsoProduces ?? []) content[type] = { schema: { type: 'string' } };
    const body = r.body ?? r.bodyDoc;
    paths[path] ??= {};
    paths[path][r.method.toLowerCase()] = {
      summary: r.summary,
      tags: [r.tag],
      ...(r.auth === 'none' ? { security: [] } : { description: `Requires a ${r.auth} token.` }),
      parameters: [...parameters(r.params, 'path'), ...parameters(r.query, 'query')],
      ...(body
        ? {
            requestBody: {
              required: true,
              content: { 'application/json': { schema: toSchema(body, 'input') } },
            },
          }
        : {}),
      responses: {
        200: {
          description: 'OK',
          content,
          ...(r.responseHeaders ? { headers: headersDoc(r.responseHeaders) } : {}),
        },
        ...(r.auth === 'none'
          ? {}
          : {
              400: { description: 'Invalid input', ...error },
              401: { description: 'No, bad, revoked or wrong-role token', ...error },
              404: { description: "Unknown resource or another workspace's", ...error },
            }),
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Runtime Hub', version },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    security: [{ bearer: [] }],
    paths,
  };
}
