// The schemas of both workflows, table by table: what each accepts (and what
// it makes of it) and the one line it says about what it refuses, naming the
// object and the field path.
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../shared/errors.js';
import { DEFAULT_RUN_OPTIONS, resolveRunOptions } from '../../shared/workflow/contracts.js';
import { checkBlob, checkImage, checkLink, checkStreamUpdate, parseBatchEvent, parseCollectEvent, parsePlanEvent, parseReportEvent, parseRunContext, parseStartEvent } from '../../shared/workflow/events.js';
import {
  batchEventSchemas,
  hardPruneSchemas,
  MAX_ITEMS_PER_BATCH,
  parseEvent,
  parseImagePrunerProps,
  parseIsoTimestamp,
  parseRunDefaults,
  parseStorageToolsProps,
  STATE_PAYLOAD_LIMIT_BYTES,
} from '../../shared/workflow/schemas/index.js';
import { checkPrefixItem, checkRepositoryItem, parseToolBatch, parseToolOptions, parseToolState, startStorageTool } from '../../shared/workflow/storage-tools/common.js';

const START = '2026-11-01T10:00:00.000Z';
const INPUT_FIELDS = 'confirm, keepTagRevisions, keepYoungerThan, all, ignoreInvalidRefs, pruneOverSizeLimit, namespace, pruneRegistry, numWorkers, now';
// Written out, not imported: a changed message must fail here.
const OVER_SIZE = 'pruneOverSizeLimit cannot be combined with keepTagRevisions nor keepYoungerThan (over-size mode ignores both, as oc adm prune images)';
const NOT_A_NAMESPACE = 'is not a namespace name (a DNS-1123 label: at most 63 lower-case letters, digits and "-", starting and ending with a letter or digit)';
const TIMESTAMP = 'is not an ISO-8601 timestamp with a zone, such as 2026-11-01T00:00:00Z';
const GROUPS = 'images, imagestreams, pods, workloads, builds';

/** The message of the InvalidInputError `call` throws (and fails the test when it throws anything else). */
function refusal(call: () => unknown): string {
  try {
    call();
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidInputError);
    return (err as Error).message;
  }
  throw new Error('expected an InvalidInputError, but nothing was thrown');
}

describe('the execution input of a prune run', () => {
  it.each([
    ['nothing', undefined, {}, { ...DEFAULT_RUN_OPTIONS, now: START }],
    ['null', null, {}, { ...DEFAULT_RUN_OPTIONS, now: START }],
    ['the construct defaults', {}, { keepTagRevisions: 5, confirm: true }, { ...DEFAULT_RUN_OPTIONS, keepTagRevisions: 5, confirm: true, now: START }],
    ['the input over the defaults', { keepTagRevisions: 0, confirm: false }, { keepTagRevisions: 5, confirm: true }, { ...DEFAULT_RUN_OPTIONS, keepTagRevisions: 0, now: START }],
    [
      'every field',
      { confirm: true, keepTagRevisions: 1, keepYoungerThan: '1h30m', all: true, ignoreInvalidRefs: true, namespace: 'team-a', pruneRegistry: false, numWorkers: 3, now: '2026-01-01T00:00:00Z' },
      {},
      { confirm: true, keepTagRevisions: 1, keepYoungerThan: '1h30m', all: true, ignoreInvalidRefs: true, pruneOverSizeLimit: false, namespace: 'team-a', pruneRegistry: false, numWorkers: 3, now: '2026-01-01T00:00:00.000Z' },
    ],
    ['over-size mode alone', { pruneOverSizeLimit: true }, {}, { ...DEFAULT_RUN_OPTIONS, pruneOverSizeLimit: true, now: START }],
    ['over-size mode turned off next to a keep option', { pruneOverSizeLimit: false, keepTagRevisions: 2 }, { pruneOverSizeLimit: true }, { ...DEFAULT_RUN_OPTIONS, keepTagRevisions: 2, now: START }],
    ['over-size mode of the deployment with its own keep defaults left alone', {}, { pruneOverSizeLimit: true, numWorkers: 20 }, { ...DEFAULT_RUN_OPTIONS, pruneOverSizeLimit: true, numWorkers: 20, now: START }],
    ['the longest namespace name', { namespace: `a${'-'.repeat(61)}b` }, {}, { ...DEFAULT_RUN_OPTIONS, namespace: `a${'-'.repeat(61)}b`, now: START }],
    ['a clock with an offset, normalised to UTC', { now: '2026-03-01T00:30+01:00' }, {}, { ...DEFAULT_RUN_OPTIONS, now: '2026-02-28T23:30:00.000Z' }],
    ['a leap day', { now: '2024-02-29T12:00:00.5Z' }, {}, { ...DEFAULT_RUN_OPTIONS, now: '2024-02-29T12:00:00.500Z' }],
    ['a zero threshold', { keepYoungerThan: '0' }, {}, { ...DEFAULT_RUN_OPTIONS, keepYoungerThan: '0', now: START }],
  ])('takes %s', (_, input, defaults, options) => {
    expect(resolveRunOptions(input, defaults, START)).toEqual(options);
  });

  it.each([
    ['a misspelt field', { confrim: true }, `execution input: unknown field "confrim" (known: ${INPUT_FIELDS})`],
    ['two unknown fields', { confrim: true, dryRun: true }, `execution input: unknown fields "confrim", "dryRun" (known: ${INPUT_FIELDS})`],
    ['an unknown field before a bad one', { keepTagRevisions: -1, confrim: true }, `execution input: unknown field "confrim" (known: ${INPUT_FIELDS})`],
    ['a list', [1], 'execution input: must be an object'],
    ['a string', 'confirm', 'execution input: must be an object'],
    ['confirm as a string', { confirm: 'yes' }, 'execution input.confirm: must be true or false'],
    ['all as a number', { all: 1 }, 'execution input.all: must be true or false'],
    ['a negative revision count', { keepTagRevisions: -1 }, 'execution input.keepTagRevisions: must be a whole number >= 0'],
    ['a fractional revision count', { keepTagRevisions: 1.5 }, 'execution input.keepTagRevisions: must be a whole number >= 0'],
    ['an unsafe revision count', { keepTagRevisions: 2 ** 53 }, 'execution input.keepTagRevisions: must be a whole number >= 0'],
    ['a revision count as a string', { keepTagRevisions: '3' }, 'execution input.keepTagRevisions: must be a whole number >= 0'],
    ['a threshold that is no duration', { keepYoungerThan: 'soon' }, 'execution input.keepYoungerThan: "soon" is not a duration (examples: 60m, 1h30m, 90s, 2d)'],
    ['a threshold as a number', { keepYoungerThan: 60 }, 'execution input.keepYoungerThan: must be a duration such as "60m" or "1h30m"'],
    ['a clock that is no timestamp', { now: 'yesterday' }, `execution input.now: "yesterday" ${TIMESTAMP}`],
    ['a day February does not have', { now: '2026-02-30T00:00:00Z' }, `execution input.now: "2026-02-30T00:00:00Z" ${TIMESTAMP}`],
    ['a leap day of a common year', { now: '2025-02-29T00:00:00Z' }, `execution input.now: "2025-02-29T00:00:00Z" ${TIMESTAMP}`],
    ['April 31st', { now: '2026-04-31T00:00:00Z' }, `execution input.now: "2026-04-31T00:00:00Z" ${TIMESTAMP}`],
    ['hour 24', { now: '2026-11-01T24:00:00Z' }, `execution input.now: "2026-11-01T24:00:00Z" ${TIMESTAMP}`],
    ['a date without a time', { now: '2026-11-01' }, `execution input.now: "2026-11-01" ${TIMESTAMP}`],
    ['a time without a zone', { now: '2026-11-01T00:00:00' }, `execution input.now: "2026-11-01T00:00:00" ${TIMESTAMP}`],
    ['an offset of 25 hours', { now: '2026-11-01T00:00:00+25:00' }, `execution input.now: "2026-11-01T00:00:00+25:00" ${TIMESTAMP}`],
    ['a clock as a number', { now: 1_700_000_000_000 }, 'execution input.now: must be an ISO-8601 timestamp with a zone, such as 2026-11-01T00:00:00Z'],
    ['over-size mode with keepTagRevisions (as oc)', { pruneOverSizeLimit: true, keepTagRevisions: 3 }, `execution input.keepTagRevisions: ${OVER_SIZE}`],
    ['over-size mode with keepYoungerThan (as oc)', { pruneOverSizeLimit: true, keepYoungerThan: '60m' }, `execution input.keepYoungerThan: ${OVER_SIZE}`],
    ['a namespace with upper case', { namespace: 'Team' }, `execution input.namespace: "Team" ${NOT_A_NAMESPACE}`],
    ['a namespace ending in -', { namespace: 'team-' }, `execution input.namespace: "team-" ${NOT_A_NAMESPACE}`],
    ['a namespace of 64 characters', { namespace: 'a'.repeat(64) }, `execution input.namespace: "${'a'.repeat(64)}" ${NOT_A_NAMESPACE}`],
    ['an empty namespace', { namespace: '' }, `execution input.namespace: "" ${NOT_A_NAMESPACE}`],
    ['pruneRegistry as a string', { pruneRegistry: 'false' }, 'execution input.pruneRegistry: must be true or false'],
    ['no workers', { numWorkers: 0 }, 'execution input.numWorkers: must be a whole number from 1 to 10000'],
    ['more workers than a Distributed Map runs', { numWorkers: 10_001 }, 'execution input.numWorkers: must be a whole number from 1 to 10000'],
  ])('refuses %s', (_, input, message) => {
    expect(refusal(() => resolveRunOptions(input, {}, START))).toBe(message);
  });

  it('checks the defaults and the start time too', () => {
    expect(refusal(() => resolveRunOptions({}, { keepTagRevisions: -1 }, START))).toBe('run defaults.keepTagRevisions: must be a whole number >= 0');
    expect(refusal(() => resolveRunOptions({}, { now: START } as never, START))).toBe(
      'run defaults: unknown field "now" (known: confirm, keepTagRevisions, keepYoungerThan, all, ignoreInvalidRefs, pruneOverSizeLimit, namespace, pruneRegistry, numWorkers)',
    );
    expect(refusal(() => resolveRunOptions({}, { pruneOverSizeLimit: true, keepTagRevisions: 2 }, START))).toBe(`run defaults.keepTagRevisions: ${OVER_SIZE}`);
  });

  it('refuses an execution that gives a keep option while the deployment defaults to over-size mode', () => {
    expect(refusal(() => resolveRunOptions({ keepYoungerThan: '2h' }, { pruneOverSizeLimit: true }, START))).toBe(
      `execution input.keepYoungerThan: ${OVER_SIZE}; the deployment defaults to pruneOverSizeLimit: give pruneOverSizeLimit: false with it`,
    );
    expect(refusal(() => resolveRunOptions({}, {}, '2026-02-30T00:00:00Z'))).toBe(`execution start time: "2026-02-30T00:00:00Z" ${TIMESTAMP}`);
  });
});

describe('ISO-8601 timestamps', () => {
  it.each([
    ['2026-11-01T00:00:00Z', Date.UTC(2026, 10, 1)],
    ['2026-11-01T00:00Z', Date.UTC(2026, 10, 1)],
    ['2026-11-01T00:00:00.123456Z', Date.UTC(2026, 10, 1, 0, 0, 0, 123)],
    ['2026-11-01T02:00:00+02:00', Date.UTC(2026, 10, 1)],
    ['2026-10-31T19:30:00-0430', Date.UTC(2026, 10, 1)],
    ['2024-02-29T00:00:00Z', Date.UTC(2024, 1, 29)],
    ['2000-02-29T00:00:00Z', Date.UTC(2000, 1, 29)],
    ['0099-01-01T00:00:00Z', Date.parse('0099-01-01T00:00:00Z')],
    ['1900-02-29T00:00:00Z', undefined],
    ['2026-02-30T00:00:00Z', undefined],
    ['2026-13-01T00:00:00Z', undefined],
    ['2026-11-01T23:60:00Z', undefined],
    ['2026-11-01T23:59:60Z', undefined],
    ['2026-11-01T00:00:00+02:60', undefined],
    ['2026-11-01 00:00:00Z', undefined],
    [' 2026-11-01T00:00:00Z', undefined],
  ])('%s is %s', (text, ms) => {
    expect(parseIsoTimestamp(text)).toBe(ms);
  });
});

const OPTIONS = { ...DEFAULT_RUN_OPTIONS, now: '2026-11-01T00:00:00.000Z' };
const RUN = { runId: '20261101T000000Z-e1', executionId: 'arn:x:execution:m:e1', options: OPTIONS };
const COLLECTED = [
  { group: 'images', key: 'runs/r/snapshot/images/', chunks: 1, count: 2 },
  { group: 'imagestreams', key: 'runs/r/snapshot/imagestreams/', chunks: 1, count: 1 },
];
const PLAN = {
  keys: { layerLinks: 'a', blobs: 'b', manifests: 'c', streamUpdates: 'd', images: 'e', summary: 'f' },
  counts: { images: 1, streamUpdates: 0, removedRevisions: 0, manifestLinks: 0, layerLinks: 0, blobs: 0, bytesReclaimed: 0, warnings: 0 },
};
const STREAM = { namespace: 'ns', name: 'is', removed: [{ tag: 'latest', index: 3, image: 'sha256:aa' }], removedTags: ['old'] };

describe('the events of the prune workflow', () => {
  it('hand each task what it reads, and nothing the state carries besides', () => {
    expect(parseStartEvent({ input: { confirm: true }, executionId: 'e', executionName: 'n', startTime: '2026-11-01T00:00:00Z' })).toEqual({ input: { confirm: true }, executionId: 'e', executionName: 'n', startTime: '2026-11-01T00:00:00.000Z' });
    expect(parseCollectEvent({ run: RUN, group: 'pods', plan: PLAN })).toEqual({ run: RUN, group: 'pods' });
    expect(parsePlanEvent({ run: RUN, collected: COLLECTED })).toEqual({ run: RUN, collected: COLLECTED });
    expect(parseRunContext({ ...RUN, options: { ...OPTIONS, now: '2026-11-01T01:00:00+01:00' } }).options.now).toBe('2026-11-01T00:00:00.000Z');
  });

  it('read a report event: the run, collected, plan and error; what the Maps did is in their result files, not here', () => {
    const r = parseReportEvent({ run: RUN, collected: COLLECTED, plan: PLAN, deleted: null, error: { Error: 'States.Timeout', Cause: 42 } });
    expect(r).toEqual({ run: RUN, collected: COLLECTED, plan: PLAN, error: { Error: 'States.Timeout' } });
    expect(parseReportEvent({ run: RUN, error: null })).toEqual({ run: RUN });
  });

  const opts = (over: object) => ({ run: { ...RUN, options: { ...OPTIONS, ...over } }, group: 'pods' });
  it.each([
    ['no event', () => parseStartEvent(null), 'event: must be an object'],
    ['no execution id', () => parseStartEvent({ input: {}, executionName: 'n', startTime: START }), 'event.executionId: must be a non-empty string'],
    ['an empty execution name', () => parseStartEvent({ input: {}, executionId: 'e', executionName: '', startTime: START }), 'event.executionName: must be a non-empty string'],
    ['a start time that is no timestamp', () => parseStartEvent({ input: {}, executionId: 'e', executionName: 'n', startTime: 'now' }), `event.startTime: "now" ${TIMESTAMP}`],
    ['no run', () => parseCollectEvent({ group: 'pods' }), 'event.run: must be an object'],
    ['a run id with a slash', () => parseCollectEvent({ run: { ...RUN, runId: 'a/b' }, group: 'pods' }), 'event.run.runId: "a/b" may only hold letters, digits, _ and - (at most 128)'],
    ['a negative revision count in the options', () => parseCollectEvent(opts({ keepTagRevisions: -1 })), 'event.run.options.keepTagRevisions: must be a whole number >= 0'],
    ['a threshold that is no duration in the options', () => parseCollectEvent(opts({ keepYoungerThan: 'soon' })), 'event.run.options.keepYoungerThan: "soon" is not a duration (examples: 60m, 1h30m, 90s, 2d)'],
    ['an unknown option', () => parseCollectEvent(opts({ confrim: true })), `event.run.options: unknown field "confrim" (known: ${INPUT_FIELDS})`],
    ['options without a clock', () => parseCollectEvent({ run: { ...RUN, options: { ...OPTIONS, now: undefined } }, group: 'pods' }), 'event.run.options.now: must be an ISO-8601 timestamp with a zone, such as 2026-11-01T00:00:00Z'],
    ['an unknown group', () => parseCollectEvent({ run: RUN, group: 'secrets' }), `event.group: must be one of ${GROUPS}`],
    ['no collected list', () => parsePlanEvent({ run: RUN, collected: {} }), 'event.collected: must be a list'],
    ['a negative count', () => parsePlanEvent({ run: RUN, collected: [COLLECTED[0], { ...COLLECTED[1], count: -1 }] }), 'event.collected[1].count: must be a whole number >= 0'],
    ['a count in the plan that is no number', () => parseReportEvent({ run: RUN, plan: { ...PLAN, counts: { ...PLAN.counts, images: 'x' } } }), 'event.plan.counts.images: must be a whole number >= 0'],
    ['a plan without the summary key', () => parseReportEvent({ run: RUN, plan: { ...PLAN, keys: { ...PLAN.keys, summary: undefined } } }), 'event.plan.keys.summary: must be a non-empty string'],
    ['a caught error without a name', () => parseReportEvent({ run: RUN, error: { Cause: 'x' } }), 'event.error.Error: must be a non-empty string'],
  ])('refuse %s', (_, call, message) => {
    expect(refusal(call)).toBe(message);
  });
});

describe('the batch events of the prune workflow', () => {
  const batch = (kind: string, Items: unknown) => ({ Items, BatchInput: { runId: 'r1', kind } });

  it('hand the task its items', () => {
    expect(parseBatchEvent(batch('streamUpdates', [STREAM]), 'streamUpdates', checkStreamUpdate)).toEqual(batch('streamUpdates', [STREAM]));
    expect(parseBatchEvent(batch('manifests', [{ repository: 'ns/is', digest: 'sha256:aa', extra: 1 }]), 'manifests', checkLink).Items).toEqual([{ repository: 'ns/is', digest: 'sha256:aa' }]);
  });

  const cases = [
    ['a batch of another kind', 'blobs', batch('images', [{ digest: 'sha256:aa' }]), checkBlob, 'event.BatchInput.kind: expected "blobs", got "images"'],
    ['a batch without a kind', 'blobs', { Items: [], BatchInput: { runId: 'r1' } }, checkBlob, 'event.BatchInput.kind: expected "blobs", got nothing'],
    ['items that are no list', 'blobs', batch('blobs', 'x'), checkBlob, 'event.Items: must be a list'],
    ['no BatchInput', 'blobs', { Items: [] }, checkBlob, 'event.BatchInput: must be an object'],
    ['a blob without a digest', 'blobs', batch('blobs', [{ name: 'x' }]), checkBlob, 'event.Items[0].digest: must be a non-empty string'],
    ['a link without a repository', 'layerLinks', batch('layerLinks', [{ repository: 'a/b', digest: 'd' }, { digest: 'd' }]), checkLink, 'event.Items[1].repository: must be a non-empty string'],
    ['an image that is a string', 'images', batch('images', ['sha256:aa']), checkImage, 'event.Items[0]: must be an object'],
    ['a removed revision with a negative index', 'streamUpdates', batch('streamUpdates', [{ ...STREAM, removed: [{ tag: 't', index: -1, image: 'i' }] }]), checkStreamUpdate, 'event.Items[0].removed[0].index: must be a whole number >= 0'],
    ['an empty removed tag', 'streamUpdates', batch('streamUpdates', [{ ...STREAM, removedTags: ['a', ''] }]), checkStreamUpdate, 'event.Items[0].removedTags[1]: must be a non-empty string'],
  ] as const;

  it.each(cases)('refuse %s', (_, kind, event, check, message) => {
    expect(refusal(() => parseBatchEvent(event, kind, check as (v: unknown, f: string) => unknown))).toBe(message);
  });

  it.each(cases)('say the same through the kind\'s whole schema: %s', (_, kind, event, __, message) => {
    expect(refusal(() => parseEvent(batchEventSchemas[kind], event))).toBe(message);
  });
});

describe('the events of the storage tools', () => {
  const startEvent = (input: unknown) => ({ input, executionId: 'arn:x:execution:m:e1', executionName: 'e1', startTime: START });
  const { run, tool } = startStorageTool(startEvent({ keepYoungerThan: '2h' }), 'hard-prune');
  const state = { run, tool, collected: COLLECTED };

  it('derive keepYoungerThanMs again from keepYoungerThan, never trusting it', () => {
    expect(parseToolOptions({ ...tool, keepYoungerThanMs: 5 }, 'hard-prune')).toEqual({ ...tool, keepYoungerThanMs: 7_200_000 });
    expect(parseToolState({ ...state, mark: {} }, 'hard-prune')).toEqual(state);
    expect(parseEvent(hardPruneSchemas.state, state)).toEqual(state);
  });

  it.each([
    ['a threshold that is no duration', { keepYoungerThan: 'soon' }, 'execution input.keepYoungerThan: "soon" is not a duration (examples: 60m, 1h30m, 90s, 2d)'],
    ['a clock in a month without that day', { now: '2026-06-31T00:00:00Z' }, `execution input.now: "2026-06-31T00:00:00Z" ${TIMESTAMP}`],
    ['a list', [], 'execution input: must be an object'],
  ])('refuse an execution input with %s', (_, input, message) => {
    expect(refusal(() => startStorageTool(startEvent(input), 'hard-prune'))).toBe(message);
  });

  it.each([
    ['the other tool\'s options', () => parseToolOptions({ ...tool, tool: 'fsck' }, 'hard-prune'), 'event.tool.tool: expected "hard-prune", got "fsck"'],
    ['a threshold that is no duration', () => parseToolOptions({ ...tool, keepYoungerThan: 'soon' }, 'hard-prune'), 'event.tool.keepYoungerThan: "soon" is not a duration (examples: 60m, 1h30m, 90s, 2d)'],
    ['a state without the image streams', () => parseToolState({ ...state, collected: [COLLECTED[0]] }, 'hard-prune'), 'event.collected: group "imagestreams" is missing'],
    ['a collected group without a key', () => parseToolState({ ...state, collected: [{ group: 'images', count: 1 }] }, 'hard-prune'), 'event.collected[0].key: must be a non-empty string'],
    ['a prefix of three digits', () => parseToolBatch({ Items: [{ prefix: 'abc' }], BatchInput: state }, 'hard-prune', checkPrefixItem), 'event.Items[0].prefix: must be two lower-case hex digits'],
    ['a repository escaping the layout', () => parseToolBatch({ Items: [{ repository: 'ns/../../x' }], BatchInput: state }, 'hard-prune', checkRepositoryItem), 'event.Items[0].repository: "ns/../../x" is not a repository name'],
    ['a batch without its run', () => parseToolBatch({ Items: [], BatchInput: { tool } }, 'hard-prune', checkPrefixItem), 'event.BatchInput.run: must be an object'],
  ])('refuse %s', (_, call, message) => {
    expect(refusal(call)).toBe(message);
  });
});

describe('the constructs\' props, checked at synth', () => {
  const base = { registryUrl: 'https://registry.example.com', clusterSecret: {} };

  it('take the run defaults among the props, and only those given', () => {
    expect(parseRunDefaults({ ...base, keepTagRevisions: 5, keepYoungerThan: '2h', all: undefined })).toEqual({ keepTagRevisions: 5, keepYoungerThan: '2h' });
    expect(parseImagePrunerProps(base)).toEqual({
      registryUrl: 'https://registry.example.com',
      forceInsecure: false,
      batchSize: 100,
      itemConcurrency: 8,
      artifactRetentionDays: 90,
      defaults: {},
    });
    expect(parseImagePrunerProps({ ...base, batchSize: MAX_ITEMS_PER_BATCH, confirm: true }).batchSize).toBe(MAX_ITEMS_PER_BATCH);
    expect(parseStorageToolsProps({})).toEqual({ mapConcurrency: 16, prefixesPerBatch: 8, repositoriesPerBatch: 20 });
  });

  it.each([
    ['a negative revision count', () => parseRunDefaults({ ...base, keepTagRevisions: -1 }), 'ImagePruner props.keepTagRevisions: must be a whole number >= 0'],
    ['a threshold that is no duration', () => parseImagePrunerProps({ ...base, keepYoungerThan: 'soon' }), 'ImagePruner props.keepYoungerThan: "soon" is not a duration (examples: 60m, 1h30m, 90s, 2d)'],
    ['confirm as a string', () => parseImagePrunerProps({ ...base, confirm: 'yes' }), 'ImagePruner props.confirm: must be true or false'],
    ['an empty batch', () => parseImagePrunerProps({ ...base, batchSize: 0 }), `ImagePruner props.batchSize: must be a whole number from 1 to ${MAX_ITEMS_PER_BATCH}`],
    ['a batch larger than a state payload holds', () => parseImagePrunerProps({ ...base, batchSize: MAX_ITEMS_PER_BATCH + 1 }), `ImagePruner props.batchSize: must be a whole number from 1 to ${MAX_ITEMS_PER_BATCH}`],
    ['a fractional batch', () => parseImagePrunerProps({ ...base, batchSize: 2.5 }), `ImagePruner props.batchSize: must be a whole number from 1 to ${MAX_ITEMS_PER_BATCH}`],
    ['the renamed mapConcurrency', () => parseImagePrunerProps({ ...base, mapConcurrency: 10 }), 'ImagePruner props.mapConcurrency: is now numWorkers (the default --num-workers of every execution)'],
    ['no workers', () => parseImagePrunerProps({ ...base, numWorkers: 0 }), 'ImagePruner props.numWorkers: must be a whole number from 1 to 10000'],
    ['no item concurrency', () => parseImagePrunerProps({ ...base, itemConcurrency: 0 }), 'ImagePruner props.itemConcurrency: must be a whole number >= 1'],
    ['a retention as a string', () => parseImagePrunerProps({ ...base, artifactRetentionDays: '90' }), 'ImagePruner props.artifactRetentionDays: must be a whole number >= 1'],
    ['more prefixes per batch than there are', () => parseStorageToolsProps({ prefixesPerBatch: 257 }), 'RegistryStorageTools props.prefixesPerBatch: must be a whole number from 1 to 256'],
    ['no repositories per batch', () => parseStorageToolsProps({ repositoriesPerBatch: 0 }), `RegistryStorageTools props.repositoriesPerBatch: must be a whole number from 1 to ${MAX_ITEMS_PER_BATCH}`],
  ])('refuse %s with one line naming the prop', (_, call, message) => {
    expect(refusal(call)).toBe(message);
  });

  it('allow no more items per batch than fit in a state payload when each is the largest link', () => {
    const link = { repository: 'r'.repeat(255), digest: `sha512:${'0'.repeat(128)}` };
    const largest = { Items: Array.from({ length: MAX_ITEMS_PER_BATCH }, () => link), BatchInput: { run: RUN, tool: { tool: 'hard-prune' }, collected: COLLECTED } };
    expect(Buffer.byteLength(JSON.stringify(largest))).toBeLessThanOrEqual(STATE_PAYLOAD_LIMIT_BYTES);
    expect(MAX_ITEMS_PER_BATCH).toBeGreaterThanOrEqual(100);
  });
});
