// The one flag parser (cli/flags.ts): pflag's syntax, the value types, and the
// exact words of every mistake, which every command shares.
import { describe, expect, it } from 'vitest';
import { formatFlags, parseFlags, parseIsoInstant, UsageError, type FlagSpecs } from '../../cli/flags.js';
import { InvalidInputError } from '../../shared/errors.js';

const SPECS = {
  confirm: { type: 'boolean', default: false, help: 'delete' },
  'in-cluster': { type: 'boolean', help: 'no default: undefined unless given' },
  snapshot: { type: 'string', metavar: 'FILE', help: 'a dump' },
  'keep-tag-revisions': { type: 'int', default: 3, help: 'revisions' },
  concurrency: { type: 'int', min: 1, max: 256, default: 16, help: 'at once' },
  'keep-younger-than': { type: 'duration', default: '60m', help: 'age' },
  now: { type: 'date', help: 'instant' },
  output: { type: 'enum', short: 'o', values: ['table', 'json'], default: 'table', help: 'format' },
  'registry-storage': { type: 'url', schemes: ['s3', 'file'], help: 'storage' },
  'registry-url': { type: 'url', schemes: ['https', 'http'], bareHost: true, help: 'registry' },
} as const satisfies FlagSpecs;

const parse = (...argv: string[]) => parseFlags(argv, SPECS);

function refusal(argv: string[]): string {
  try {
    parse(...argv);
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as Error).name).toBe('UsageError');
    return (err as Error).message;
  }
  throw new Error(`${JSON.stringify(argv)} was accepted`);
}

describe('booleans, as pflag (Go strconv.ParseBool)', () => {
  it.each([
    [['--confirm'], true],
    [['--confirm=true'], true],
    [['--confirm=false'], false],
    [['--confirm=1'], true],
    [['--confirm=0'], false],
    [['--confirm=t'], true],
    [['--confirm=f'], false],
    [['--confirm=T'], true],
    [['--confirm=F'], false],
    [['--confirm=TRUE'], true],
    [['--confirm=FALSE'], false],
    [['--confirm=True'], true],
    [['--confirm=False'], false],
    [[], false],
    [['--confirm', '--confirm=false'], false],
  ])('%j gives confirm %s', (argv, confirm) => {
    expect(parse(...argv)?.confirm).toBe(confirm);
  });

  it.each(['maybe', 'yes', 'tRuE', '', '2'])('--confirm=%j is refused', (value) => {
    expect(refusal([`--confirm=${value}`])).toBe(`flag --confirm: "${value}" is not a boolean (true or false)`);
  });

  it('a boolean does not take the next argument: "--confirm true" is an argument too many, with the fix', () => {
    expect(refusal(['--confirm', 'true'])).toBe('unexpected argument "true" (a boolean takes its value after "=": --confirm=true)');
  });

  it('a boolean without a default is undefined unless given (e.g. cluster flags)', () => {
    expect(parse()?.['in-cluster']).toBeUndefined();
    expect(parse('--in-cluster=false')?.['in-cluster']).toBe(false);
  });
});

describe('values', () => {
  it.each([
    [['--snapshot', 'x.json'], 'x.json'],
    [['--snapshot=x.json'], 'x.json'],
    [['--snapshot=a=b'], 'a=b'],
    [['--snapshot='], ''],
    [['--snapshot', '-'], '-'],
    [['--snapshot=-x'], '-x'],
    [['--snapshot', 'a', '--snapshot', 'b'], 'b'],
  ])('%j gives snapshot %j', (argv, snapshot) => {
    expect(parse(...argv)?.snapshot).toBe(snapshot);
  });

  it.each([[['-o', 'json']], [['-o=json']], [['-ojson']], [['--output', 'json']], [['--output=json']]])('%j is --output json', (argv) => {
    expect(parse(...argv)?.output).toBe('json');
  });

  it('defaults and types', () => {
    expect(parse()).toEqual({
      confirm: false,
      'keep-tag-revisions': 3,
      concurrency: 16,
      'keep-younger-than': { text: '60m', ms: 3_600_000 },
      output: 'table',
    });
    const v = parse('--keep-tag-revisions=0', '--concurrency', '256', '--keep-younger-than', '1h30m', '--now', '2026-11-01T02:00:00+02:00');
    expect(v).toMatchObject({ 'keep-tag-revisions': 0, concurrency: 256, 'keep-younger-than': { text: '1h30m', ms: 5_400_000 }, now: new Date('2026-11-01T00:00:00Z') });
  });

  it.each([
    ['s3://bucket/root?endpoint=http://127.0.0.1:9000', 'registry-storage'],
    ['file:///var/lib/registry', 'registry-storage'],
    ['https://registry.example.com', 'registry-url'],
    ['http://127.0.0.1:5000', 'registry-url'],
    ['registry.example.com:5000', 'registry-url'],
  ] as const)('takes the URL %s for --%s', (url, flag) => {
    expect(parse(`--${flag}`, url)?.[flag]).toBe(url);
  });
});

describe('help', () => {
  it.each([[['-h']], [['--help']], [['--help=true']], [['--help=1']], [['--snapshot', 'x', '--help']]])('%j asks for help', (argv) => {
    expect(parse(...argv)).toBeUndefined();
  });

  it.each([[['--help=false']], [['--help=0']]])('%j does not', (argv) => {
    expect(parse(...argv)).toBeDefined();
  });

  it('lists every flag with -o, metavars and defaults, and -h, --help last', () => {
    const text = formatFlags(SPECS);
    expect(text).toMatch(/^ {2}-o, --output table\|json +format$/m);
    expect(text).toMatch(/^ {2}--snapshot FILE +a dump$/m);
    expect(text).toMatch(/^ {2}--keep-tag-revisions N +revisions \(default 3\)$/m);
    expect(text).toMatch(/^ {2}--confirm +delete$/m);
    expect(text.trimEnd().split('\n').pop()).toMatch(/^ {2}-h, --help +show this help$/);
  });
});

describe('the words of every mistake', () => {
  it.each([
    [['--bogus'], 'unknown flag --bogus'],
    [['--bogus=1'], 'unknown flag --bogus'],
    [['-x'], 'unknown flag -x'],
    [['-hx'], 'unknown flag -x (in -hx)'],
    [['extra'], 'unexpected argument "extra" (every input is given with a flag)'],
    [['--', 'extra'], 'unexpected argument "extra" (every input is given with a flag)'],
    [['--snapshot'], 'flag --snapshot needs a value'],
    [['-o'], 'flag --output needs a value'],
    [['--snapshot', '--confirm'], 'flag --snapshot needs a value (write one that starts with "-" as --snapshot=VALUE)'],
    [['--keep-tag-revisions', 'x'], 'flag --keep-tag-revisions: "x" is not a whole number >= 0'],
    [['--keep-tag-revisions=-1'], 'flag --keep-tag-revisions: "-1" is not a whole number >= 0'],
    [['--keep-tag-revisions', '1.5'], 'flag --keep-tag-revisions: "1.5" is not a whole number >= 0'],
    [['--keep-tag-revisions', '99999999999999999999'], 'flag --keep-tag-revisions: "99999999999999999999" is not a whole number >= 0'],
    [['--concurrency', '0'], 'flag --concurrency: "0" is not a whole number from 1 to 256'],
    [['--concurrency', '257'], 'flag --concurrency: "257" is not a whole number from 1 to 256'],
    [['--output', 'xml'], 'flag --output: "xml" is not one of table, json'],
    [['-o', 'yaml'], 'flag --output: "yaml" is not one of table, json'],
    [['--keep-younger-than', 'soon'], 'flag --keep-younger-than: "soon" is not a duration (examples: 60m, 1h30m, 90s, 2d)'],
    [['--registry-storage', 'ftp://host/x'], 'flag --registry-storage: "ftp://host/x" is not an s3:// or file:// URL'],
    [['--registry-storage', '/var/lib/registry'], 'flag --registry-storage: "/var/lib/registry" is not an s3:// or file:// URL'],
    [['--registry-url', 'ftp://host'], 'flag --registry-url: "ftp://host" is not an https:// or http:// URL'],
    [['--registry-url', 'not a url'], 'flag --registry-url: "not a url" is not an https:// or http:// URL'],
    [['--now', 'yesterday'], 'flag --now: "yesterday" is not an ISO-8601 instant (example: 2026-11-01T00:00:00Z)'],
  ])('%j: %s', (argv, message) => {
    expect(refusal(argv)).toBe(message);
  });

  it('stops at the first mistake, left to right', () => {
    expect(refusal(['--output', 'xml', '--bogus'])).toBe('flag --output: "xml" is not one of table, json');
  });

  it("a url flag's own check becomes the usage error", () => {
    const specs = { 'registry-storage': { type: 'url', schemes: ['s3'], check: () => { throw new InvalidInputError('--registry-storage "s3://A": bad bucket'); }, help: '' } } as const satisfies FlagSpecs;
    expect(() => parseFlags(['--registry-storage', 's3://A'], specs)).toThrow(new UsageError('flag --registry-storage "s3://A": bad bucket'));
  });
});

describe('ISO-8601 instants', () => {
  it.each(['2026-11-01T00:00:00Z', '2026-11-01T00:00Z', '2026-11-01T00:00:00.123Z', '2026-11-01T02:00:00+02:00', '2026-11-01T02:00:00+0200', '2024-02-29T00:00:00Z', '2026-12-31T23:59:59-12:00'])(
    'takes %s',
    (text) => {
      expect(parseIsoInstant(text)?.getTime()).toBe(Date.parse(text.replace(/([+-]\d{2})(\d{2})$/, '$1:$2')));
    },
  );

  it.each([
    '2026-02-30T00:00:00Z', // Date.parse rolls it over to March 2nd
    '2025-02-29T00:00:00Z',
    '2026-04-31T00:00:00Z',
    '2026-13-01T00:00:00Z',
    '2026-00-10T00:00:00Z',
    '2026-11-01T24:00:00Z',
    '2026-11-01T23:60:00Z',
    '2026-11-01T23:59:60Z',
    '2026-11-01T00:00:00+24:00',
    '2026-11-01T00:00:00', // no zone: would be local time
    '2026-11-01',
    'Sun, 01 Nov 2026 00:00:00 GMT',
    '',
  ])('refuses %j', (text) => {
    expect(parseIsoInstant(text)).toBeUndefined();
    expect(refusal(['--now', text])).toBe(`flag --now: "${text}" is not an ISO-8601 instant (example: 2026-11-01T00:00:00Z)`);
  });
});

describe('short aliases of string flags and refused flags', () => {
  const specs = {
    namespace: { type: 'string', short: 'n', metavar: 'NS', help: 'one namespace' },
    confirm: { type: 'boolean', default: false, help: 'delete' },
    token: { type: 'refused', reason: 'not here: credentials stay in Secrets Manager' },
  } as const satisfies FlagSpecs;

  it.each([[['-n', 'team-a']], [['-n=team-a']], [['-nteam-a']], [['--namespace', 'team-a']], [['--namespace=team-a']]])('%j is --namespace team-a', (argv) => {
    expect(parseFlags(argv, specs)?.namespace).toBe('team-a');
  });

  it('a short alias takes its value as the long flag does, and says its long name when one is missing', () => {
    expect(() => parseFlags(['-n'], specs)).toThrow(/^flag --namespace needs a value$/);
    expect(() => parseFlags(['-n', '--confirm'], specs)).toThrow(/^flag --namespace needs a value \(write one that starts with "-" as --namespace=VALUE\)$/);
  });

  it.each([[['--token', 'sha256~s3cr3t']], [['--token=sha256~s3cr3t']], [['--confirm', '--token']]])('refuses %j with its reason, never reading or echoing the value', (argv) => {
    let message = '';
    try {
      parseFlags(argv, specs);
    } catch (err) {
      expect(err).toBeInstanceOf(UsageError);
      message = (err as Error).message;
    }
    expect(message).toBe('flag --token: not here: credentials stay in Secrets Manager');
  });

  it('leaves a refused flag out of the help and the values', () => {
    const help = formatFlags(specs);
    expect(help).toMatch(/^ {2}-n, --namespace NS +one namespace$/m);
    expect(help).not.toContain('--token');
    expect(parseFlags(['--confirm'], specs)).toEqual({ confirm: true });
  });
});
