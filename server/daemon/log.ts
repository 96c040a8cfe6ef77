/**
 * The daemon's logger: pino to stderr, so stdout stays free for the one JSON result a command prints.
 */
import { pino } from 'pino';

export type Logger = pino.Logger;

export function createLogger(): Logger {
  return pino({ level: process.env.LOG_LEVEL ?? 'info' }, pino.destination(2));
}

/** A logger that drops everything, for tests and library use. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
