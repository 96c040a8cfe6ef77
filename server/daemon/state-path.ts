/** Where the daemon keeps its state by default; its own module so `daemon --help` can name it cheaply. */
import { join } from 'node:path';
import envPaths from 'env-paths';

/** The default state file: `<user config>/runtime-hub/daemon.json`. */
export function defaultStatePath(): string {
  return join(envPaths('runtime-hub', { suffix: '' }).config, 'daemon.json');
}
