/**
 * Per-request log lines at debug rather than Fastify's info: at the default level a few page loads would
 * otherwise scroll the dashboard link `serve` prints out of sight. Errors keep their level.
 */
import { type FastifyReply, type FastifyRequest, LogController } from 'fastify';

export class DebugRequestLog extends LogController {
  override incomingRequest(request: FastifyRequest) {
    request.log.debug({ req: request }, 'incoming request');
  }

  override requestCompleted(error: Error | null, request: FastifyRequest, reply: FastifyReply) {
    if (error)
      reply.log.error({ res: reply, err: error, responseTime: reply.elapsedTime }, 'request errored');
    else if (!this.isLogDisabled(request))
      reply.log.debug({ res: reply, responseTime: reply.elapsedTime }, 'request completed');
  }

  override routeNotFound(request: FastifyRequest) {
    request.log.debug({ method: request.method, url: request.url }, 'route not found');
  }
}
