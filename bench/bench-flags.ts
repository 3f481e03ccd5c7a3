// The benchmarks' flags go through the command line's parser (cli/flags.ts):
// same syntax, same messages, UsageError -> exit status 2 (bench/run.ts).
import { formatFlags, parseFlags, UsageError, type FlagSpecs, type FlagValues } from '../cli/flags.js';

/** One benchmark's usage line and flags, for `npm run bench -- --help`. */
export function benchUsage(name: string, specs: FlagSpecs): string {
  return `npm run bench -- ${name} [flags]\n${formatFlags(specs)}`;
}

/** Parses a benchmark's flags; prints its usage and returns undefined for --help. Throws {@link UsageError}. */
export function parseBenchFlags<S extends FlagSpecs>(name: string, argv: string[], specs: S): FlagValues<S> | undefined {
  const values = parseFlags(argv, specs);
  if (!values) process.stdout.write(benchUsage(name, specs));
  return values;
}

/** A comma-separated list of whole numbers from `min` (to `max`), e.g. `--sizes 1000,10000`. */
export function wholeNumbers(flag: string, text: string, min: number, max = Number.MAX_SAFE_INTEGER): number[] {
  const list = text.split(',').map((s) => s.trim());
  if (list.some((s) => !/^\d+$/.test(s) || Number(s) < min || Number(s) > max)) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
    throw new UsageError(`flag --${flag}: "${text}" is not a comma-separated list of whole numbers ${range}`);
  }
  return list.map(Number);
}
