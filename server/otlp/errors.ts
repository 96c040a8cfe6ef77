/**
 * OTLP answers its errors with an HTTP status and a google.rpc.Status body, not the REST contract's `{ error, code }`:
 * exporters read the status (429/502/503/504 retry, honouring Retry-After) and log the message.
 */
import protobuf from 'protobufjs';
import { httpStatusOf } from '../../shared';
import { fromStoreError, HubError } from '../errors';
import { StoreError } from '../store';

export class OtlpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** Seconds, for 429 and 503. */
    readonly retryAfter?: number,
  ) {
    super(message);
  }
}

/** Seconds an exporter waits before retrying an export the hub could not take now. */
export const RETRY_AFTER_SECONDS = 5;

/** google.rpc.Status (code, message; no details): not part of the OTLP definitions, so declared here. */
const Status = new protobuf.Type('Status')
  .add(new protobuf.Field('code', 1, 'int32'))
  .add(new protobuf.Field('message', 2, 'string'));

/** HTTP status → google.rpc.Code, as the gRPC/HTTP mapping has it. */
const RPC_CODES: Record<number, number> = {
  400: 3,
  401: 16,
  403: 7,
  404: 5,
  413: 11,
  415: 3,
  429: 8,
  500: 13,
  503: 14,
};

export function otlpErrorOf(err: unknown): OtlpError {
  if (err instanceof OtlpError) return err;
  if (err instanceof StoreError) return otlpErrorOf(fromStoreError(err));
  if (err instanceof HubError) {
    const status = httpStatusOf[err.code];
    const retry = status === 429 || status === 503 ? RETRY_AFTER_SECONDS : undefined;
    return new OtlpError(status, err.code === 'internal' ? 'internal error' : err.message, retry);
  }
  const status = (err as { statusCode?: number }).statusCode;
  if (status === 413) return new OtlpError(413, 'request body too large');
  if (status === 429) return new OtlpError(429, 'too many requests', RETRY_AFTER_SECONDS);
  if (status === 415)
    return new OtlpError(415, 'Content-Type must be application/json or application/x-protobuf');
  if (status && status >= 400 && status < 500) return new OtlpError(400, 'bad request');
  return new OtlpError(500, 'internal error');
}

export function statusBody(
  err: OtlpError,
  protobufBody: boolean,
): Buffer | { code: number; message: string } {
  const status = { code: RPC_CODES[err.status] ?? 2, message: err.message };
  return protobufBody ? Buffer.from(Status.encode(Status.create(status)).finish()) : status;
}
