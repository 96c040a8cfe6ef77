/**
 * The hub's logger on stderr: human-readable and coloured (warnings and errors stand out) when a person watches
 * the terminal, one JSON object a line when the output goes to a file or a log collector.
 */
import pino, { type Logger } from 'pino';

export async function hubLogger(level: string): Promise<Logger> {
  if (!process.stderr.isTTY) return pino({ level }, pino.destination(2));
  // In-process stream, not a transport: a transport is a worker thread with its own heap.
  const { default: pretty } = await import('pino-pretty');
  return pino(
    { level },
    pretty({
      destination: 2,
      colorize: true,
      translateTime: 'SYS:HH:MM:ss',
      ignore: 'pid,hostname',
      sync: true,
    }),
  );
}
