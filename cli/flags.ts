// The one flag parser of the command line and the benchmarks. Each command
// declares its flags (name, type, short alias, default, help text); parseFlags
// reads them as pflag does for `oc adm prune images`: `--flag value` or
// `--flag=value`, booleans as `--flag` or `--flag=true|false`. Every mistake is
// a UsageError with the same words in every command, and exit status 2 (set
// once, in cli/main.ts).
import { parseDuration } from '../shared/core/duration.js';
import { hasUserInfo } from '../shared/adapters/url-credentials.js';
import { InvalidInputError, PrunerError } from '../shared/errors.js';

/** A flag the user got wrong: one line naming the flag, exit status 2 (cli/main.ts). */
export class UsageError extends InvalidInputError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UsageError';
  }
}

interface BaseSpec {
  /** One line (or a few, separated by `\n`) for the help. */
  help: string;
  /** One-letter alias: `-o` for `--output`. */
  short?: string;
  /** The word after the flag in the help (`FILE`, `PATH`); each type has its own default. */
  metavar?: string;
}

/** A boolean: `--flag`, `--flag=true`, `--flag=false` (and the rest of Go's strconv.ParseBool). */
export interface BooleanFlag extends BaseSpec {
  type: 'boolean';
  default?: boolean;
}
/** Any text, the empty string included. */
export interface StringFlag extends BaseSpec {
  type: 'string';
  default?: string;
}
/** A whole number from `min` (default 0) to `max`. */
export interface IntFlag extends BaseSpec {
  type: 'int';
  default?: number;
  min?: number;
  max?: number;
}
/** A Go-style duration as oc takes it (`60m`, `1h30m`); parsed to {@link DurationValue}. */
export interface DurationFlag extends BaseSpec {
  type: 'duration';
  default?: string;
}
/**
 * A URL with one of `schemes`, without user info (`user:pass@` is refused
 * and never echoed). `bareHost` also takes `host[:port]` (no scheme). `check` may throw a PrunerError for what the scheme alone does not
 * show (a bad bucket name); its message becomes the usage error.
 */
export interface UrlFlag extends BaseSpec {
  type: 'url';
  schemes: readonly string[];
  bareHost?: boolean;
  check?: (url: string) => void;
  default?: string;
}
/** A strict ISO-8601 instant with a time zone, e.g. `2026-11-01T00:00:00Z`; parsed to a Date. */
export interface DateFlag extends BaseSpec {
  type: 'date';
}
/** One of `values`. */
export interface EnumFlag<V extends string = string> extends BaseSpec {
  type: 'enum';
  values: readonly V[];
  default?: V;
}

/**
 * A flag another command takes that this one refuses with a reason, e.g.
 * `start --token` (on AWS the credentials stay in Secrets Manager): a clearer
 * line than "unknown flag". Not listed in the help; never has a value.
 */
export interface RefusedFlag {
  type: 'refused';
  /** Why, after `flag --NAME: `. */
  reason: string;
  help?: undefined;
  short?: undefined;
  metavar?: undefined;
}

/** One flag's declaration. */
export type FlagSpec = BooleanFlag | StringFlag | IntFlag | DurationFlag | UrlFlag | DateFlag | EnumFlag | RefusedFlag;
/** A command's flags by long name (without `--`); `--help`/`-h` is added to every set. */
export type FlagSpecs = Readonly<Record<string, FlagSpec>>;

/** A parsed duration: as written (for reports) and in milliseconds. */
export interface DurationValue {
  text: string;
  ms: number;
}

type ValueOf<S> = S extends { type: 'refused' }
  ? never
  : S extends { type: 'boolean' }
  ? boolean
  : S extends { type: 'int' }
    ? number
    : S extends { type: 'duration' }
      ? DurationValue
      : S extends { type: 'date' }
        ? Date
        : S extends { type: 'enum'; values: readonly (infer V)[] }
          ? V
          : string;

/** The parsed values: a flag with a default always has a value; any other is undefined unless given. */
export type FlagValues<S extends FlagSpecs> = {
  -readonly [K in keyof S]: S[K] extends { default: unknown } ? ValueOf<S[K]> : ValueOf<S[K]> | undefined;
};

const HELP: BooleanFlag = { type: 'boolean', short: 'h', help: 'show this help' };

/**
 * `--debug`: a command that fails prints one line; with this flag it prints the
 * failure's stack trace first (for a bug report). Spread into a command's flags.
 */
export const DEBUG_FLAG = { type: 'boolean', default: false, help: 'on failure, print the stack trace before the one-line error' } as const satisfies BooleanFlag;

// Go's strconv.ParseBool, which pflag uses: exactly these spellings.
const TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/** Go's strconv.ParseBool: true, false, or undefined for anything else. */
export function parseBool(text: string): boolean | undefined {
  if (TRUE.has(text)) return true;
  if (FALSE.has(text)) return false;
  return undefined;
}

const ISO_INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-](\d{2}):?(\d{2}))$/;

/**
 * A strict ISO-8601 instant (date, time, zone), or undefined. Date.parse rolls
 * impossible fields over (2026-02-30 becomes March 2nd); here every field must
 * round-trip, so an impossible date is refused.
 */
export function parseIsoInstant(text: string): Date | undefined {
  const m = ISO_INSTANT.exec(text);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? '0'].map(Number);
  const fields = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  // Date.UTC maps years 0..99 to 1900..1999; setUTCFullYear does not.
  fields.setUTCFullYear(y);
  if (fields.getUTCFullYear() !== y || fields.getUTCMonth() !== mo - 1 || fields.getUTCDate() !== d || fields.getUTCHours() !== h || fields.getUTCMinutes() !== mi || fields.getUTCSeconds() !== s) {
    return undefined;
  }
  if (m[9] !== undefined && (Number(m[9]) > 23 || Number(m[10]) > 59)) return undefined;
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function schemeList(schemes: readonly string[]): string {
  const named = schemes.map((s) => `${s}://`);
  return named.length <= 1 ? named.join('') : `${named.slice(0, -1).join(', ')} or ${named[named.length - 1]}`;
}

/** Converts one flag's text to its value; throws UsageError naming the flag. */
function convert(name: string, spec: FlagSpec, text: string): unknown {
  const flag = `flag --${name}`;
  switch (spec.type) {
    case 'boolean': {
      const b = parseBool(text);
      if (b === undefined) throw new UsageError(`${flag}: "${text}" is not a boolean (true or false)`);
      return b;
    }
    case 'string':
      return text;
    case 'int': {
      const min = spec.min ?? 0;
      const range = spec.max === undefined ? `>= ${min}` : `from ${min} to ${spec.max}`;
      const n = Number(text);
      if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < min || (spec.max !== undefined && n > spec.max)) {
        throw new UsageError(`${flag}: "${text}" is not a whole number ${range}`);
      }
      return n;
    }
    case 'duration':
      try {
        return { text, ms: parseDuration(text, flag) } satisfies DurationValue;
      } catch (err) {
        throw new UsageError((err as Error).message, { cause: err });
      }
    case 'url': {
      // A password in a URL would be echoed by every message below (and sits in
      // shell history): refused, and never printed.
      if (hasUserInfo(text)) throw new UsageError(`${flag}: the URL must not carry a user name or password (credentials have their own flags or files)`);
      const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text)?.[1]?.toLowerCase();
      const ok = scheme === undefined ? spec.bareHost === true && /^[^\s/:?#]+(:\d+)?(\/\S*)?$/.test(text) : spec.schemes.includes(scheme);
      if (!ok) throw new UsageError(`${flag}: "${text}" is not an ${schemeList(spec.schemes)} URL`);
      try {
        spec.check?.(text);
      } catch (err) {
        if (!(err instanceof PrunerError)) throw err;
        // The check's message names the flag (`--registry-storage "…": …`) or not.
        const message = err.message.startsWith(`--${name}`) ? `flag ${err.message}` : `${flag}: ${err.message}`;
        throw new UsageError(message, { cause: err });
      }
      return text;
    }
    case 'date': {
      const date = parseIsoInstant(text);
      if (!date) throw new UsageError(`${flag}: "${text}" is not an ISO-8601 instant (example: 2026-11-01T00:00:00Z)`);
      return date;
    }
    case 'enum':
      if (!spec.values.includes(text)) throw new UsageError(`${flag}: "${text}" is not one of ${spec.values.join(', ')}`);
      return text;
    case 'refused':
      throw new UsageError(`${flag}: ${spec.reason}`);
  }
}

/**
 * Parses `argv` against `specs`. Returns the values, or `undefined` when help
 * was asked for (`-h`, `--help`, `--help=true`). Throws {@link UsageError} at
 * the first mistake, left to right, as pflag does. A value that starts with
 * "-" must be written `--flag=-1`: `--snapshot --confirm` is a missing value,
 * not a file named "--confirm".
 */
export function parseFlags<S extends FlagSpecs>(argv: readonly string[], specs: S): FlagValues<S> | undefined {
  const all: Record<string, FlagSpec> = { ...specs, help: HELP };
  const byShort = new Map<string, string>();
  for (const [name, spec] of Object.entries(all)) if (spec.short) byShort.set(spec.short, name);
  const values: Record<string, unknown> = {};
  let lastBoolean: string | undefined;

  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    const previousBoolean = lastBoolean;
    lastBoolean = undefined;
    if (arg === '--') {
      if (i + 1 < argv.length) throw new UsageError(`unexpected argument "${argv[i + 1]}" (every input is given with a flag)`);
      break;
    }
    let name: string;
    let inline: string | undefined;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      inline = eq < 0 ? undefined : arg.slice(eq + 1);
      if (!Object.hasOwn(all, name)) throw new UsageError(`unknown flag --${name}`);
    } else if (arg.startsWith('-') && arg.length > 1) {
      // Shorthands: `-h`, `-o json`, `-o=json`, `-ojson`.
      const long = byShort.get(arg[1]);
      if (long === undefined) throw new UsageError(`unknown flag -${arg[1]}`);
      name = long;
      const rest = arg.slice(2);
      if (rest.startsWith('=')) inline = rest.slice(1);
      else if (rest !== '') {
        if (all[name].type === 'boolean') throw new UsageError(`unknown flag -${rest[0]} (in ${arg})`);
        inline = rest;
      }
    } else {
      const hint = previousBoolean !== undefined && parseBool(arg) !== undefined ? ` (a boolean takes its value after "=": --${previousBoolean}=${arg})` : ' (every input is given with a flag)';
      throw new UsageError(`unexpected argument "${arg}"${hint}`);
    }

    const spec = all[name];
    // Refused whatever follows it: its value (a token, say) is neither read nor echoed.
    if (spec.type === 'refused') throw new UsageError(`flag --${name}: ${spec.reason}`);
    let text: string;
    if (inline !== undefined) {
      text = inline;
    } else if (spec.type === 'boolean') {
      text = 'true';
      lastBoolean = name;
    } else {
      const next = argv[i + 1];
      if (next === undefined) throw new UsageError(`flag --${name} needs a value`);
      // "-" alone is a value (standard input); anything else starting with "-" is the next flag.
      if (next.startsWith('-') && next !== '-') throw new UsageError(`flag --${name} needs a value (write one that starts with "-" as --${name}=VALUE)`);
      text = next;
      i += 1;
    }
    values[name] = convert(name, spec, text);
  }

  if (values.help === true) return undefined;
  delete values.help;
  for (const [name, spec] of Object.entries(specs)) {
    if (values[name] !== undefined || !('default' in spec) || spec.default === undefined) continue;
    values[name] = spec.type === 'duration' ? convert(name, spec, spec.default) : spec.default;
  }
  return values as FlagValues<S>;
}

function metavar(spec: Exclude<FlagSpec, RefusedFlag>): string {
  if (spec.metavar !== undefined) return spec.metavar;
  switch (spec.type) {
    case 'boolean':
      return '';
    case 'int':
      return 'N';
    case 'duration':
      return 'DUR';
    case 'url':
      return 'URL';
    case 'date':
      return 'ISO-8601';
    case 'enum':
      return spec.values.join('|');
    default:
      return 'VALUE';
  }
}

/**
 * The help lines of `specs` (plus `-h, --help` unless `help: false`), aligned:
 * `  -o, --output table|json   help (default table)`. A default other than a
 * boolean's false is appended to the help text.
 */
export function formatFlags(specs: FlagSpecs, o: { help?: boolean; column?: number } = {}): string {
  const entries = Object.entries(o.help === false ? specs : { ...specs, help: HELP }).filter(([, spec]) => spec.type !== 'refused') as [string, Exclude<FlagSpec, RefusedFlag>][];
  const lefts = entries.map(([name, spec]) => `  ${spec.short ? `-${spec.short}, ` : ''}--${name}${metavar(spec) ? ` ${metavar(spec)}` : ''}`);
  const column = o.column ?? Math.min(33, Math.max(...lefts.map((l) => l.length)) + 3);
  const lines: string[] = [];
  entries.forEach(([, spec], i) => {
    const shown = spec.type !== 'boolean' && spec.type !== 'enum' && 'default' in spec && spec.default !== undefined;
    const help = `${spec.help}${shown ? ` (default ${spec.default})` : ''}`.split('\n');
    if (lefts[i].length + 1 > column) lines.push(lefts[i]);
    else lines.push(`${lefts[i].padEnd(column)}${help.shift()}`);
    for (const h of help) lines.push(`${' '.repeat(column)}${h}`);
  });
  return `${lines.join('\n')}\n`;
}
