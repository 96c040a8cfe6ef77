/**
 * Flag parsing for every command: node's parseArgs, with its errors turned into one line that names the flag
 * and the nearest valid one (a UsageError, exit 2), never a stack trace.
 */
import { parseArgs } from 'node:util';
import { UsageError } from './usage-error';

export type FlagSpec = Record<string, { type: 'string' | 'boolean'; short?: string }>;

/** Edit distance between two short strings (flag names). */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++)
      current[j] = Math.min(
        previous[j]! + 1,
        current[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    previous = current;
  }
  return previous[b.length]!;
}

/** The valid flag closest to `given`, if it is close enough to be a plausible typo. */
export function nearestFlag(given: string, valid: string[]): string | undefined {
  const name = given.replace(/^-+/, '').split('=')[0]!;
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of valid) {
    const d = distance(name, candidate);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

/** Parses `argv` for `command`; `--help`/`-h` is always accepted. */
export function parseFlags<T extends FlagSpec>(
  command: string,
  argv: string[],
  options: T,
  positionals = false,
) {
  const spec = { ...options, help: { type: 'boolean', short: 'h' } } as const;
  try {
    return parseArgs({ args: argv, options: spec, strict: true, allowPositionals: positionals });
  } catch (err) {
    const message = (err as Error).message;
    const code = (err as { code?: string }).code;
    const valid = Object.keys(spec);
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const flag = /'([^']+)'/.exec(message)?.[1] ?? argv.find((a) => a.startsWith('-')) ?? '';
      const near = nearestFlag(flag, valid);
      throw new UsageError(
        `unknown option ${flag} for "${command}"${near ? `; did you mean --${near}?` : ''} (see "runtime-hub ${command} --help")`,
      );
    }
    if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
      const extra = /'([^']+)'/.exec(message)?.[1];
      throw new UsageError(
        `unexpected argument ${extra ? `"${extra}" ` : ''}for "${command}" (see "runtime-hub ${command} --help")`,
      );
    }
    // ERR_PARSE_ARGS_INVALID_OPTION_VALUE: a string flag without its value, or a value given to a boolean.
    throw new UsageError(`${message.split('\n')[0]} (see "runtime-hub ${command} --help")`);
  }
}
