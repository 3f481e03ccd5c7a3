// The storage tools' execution input and batch events: defaults, every field
// checked by name, and the read-only guard repeated inside the start task.
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../shared/errors.js';
import { checkPrefixItem, checkRepositoryItem, parseToolBatch, startStorageTool } from '../../shared/workflow/storage-tools/common.js';
import { RegistryNotReadOnlyError } from '../../shared/workflow/storage-tools/contracts.js';

const startEvent = (input: unknown) => ({ input, executionId: 'arn:x:execution:m:e1', executionName: 'e1', startTime: '2026-11-01T10:00:00.000Z' });

describe('the start task of the storage tools', () => {
  it('fills in a dry run, the one-hour threshold and the execution start time', () => {
    const r = startStorageTool(startEvent({}), 'hard-prune');
    expect(r.tool).toEqual({ tool: 'hard-prune', confirm: false, registryReadOnlyConfirmed: false, keepYoungerThan: '1h', keepYoungerThanMs: 3_600_000 });
    expect(r.run.runId).toBe('20261101T100000Z-e1');
    expect(r.run.options).toMatchObject({ confirm: false, keepYoungerThan: '1h', now: '2026-11-01T10:00:00.000Z' });
  });

  it('takes confirm with the read-only acknowledgement, a threshold and a clock', () => {
    const r = startStorageTool(startEvent({ confirm: true, registryReadOnlyConfirmed: true, keepYoungerThan: '2h', now: '2026-01-01T00:00:00Z' }), 'hard-prune');
    expect(r.tool).toMatchObject({ confirm: true, registryReadOnlyConfirmed: true, keepYoungerThanMs: 7_200_000 });
    expect(r.run.options.now).toBe('2026-01-01T00:00:00.000Z');
  });

  it("takes fsck's confirm (recovery) without the acknowledgement: recovery never changes storage", () => {
    expect(startStorageTool(startEvent({ confirm: true }), 'fsck').tool).toMatchObject({ tool: 'fsck', confirm: true, registryReadOnlyConfirmed: false });
    expect(startStorageTool(startEvent({}), 'fsck').tool.confirm).toBe(false);
  });

  it('refuses confirm without the acknowledgement even when the Choice was skipped', () => {
    expect(() => startStorageTool(startEvent({ confirm: true }), 'hard-prune')).toThrow(RegistryNotReadOnlyError);
  });

  it('fsck takes confirm (recovering what can be recovered) and a namespace; it needs no acknowledgement', () => {
    const r = startStorageTool(startEvent({ confirm: true, namespace: 'team-a' }), 'fsck');
    expect(r.tool).toEqual({ tool: 'fsck', confirm: true, registryReadOnlyConfirmed: false, keepYoungerThan: '1h', keepYoungerThanMs: 3_600_000, namespace: 'team-a' });
    expect(r.run.options.confirm).toBe(true);
  });

  it.each([
    ['hard-prune', 'not an object', [1], /execution input: must be an object/],
    ['hard-prune', 'a misspelt field', { confrim: true }, /^execution input: unknown field "confrim" \(known: confirm, registryReadOnlyConfirmed, keepYoungerThan, now\)$/],
    ['hard-prune', 'confirm as a string', { confirm: 'yes' }, /confirm: must be true or false/],
    ['hard-prune', 'acknowledgement as a string', { confirm: true, registryReadOnlyConfirmed: 'true' }, /registryReadOnlyConfirmed: must be true or false/],
    ['hard-prune', 'a threshold that is no duration', { keepYoungerThan: 'soon' }, /keepYoungerThan/],
    ['hard-prune', 'a clock that is no timestamp', { now: 'yesterday' }, /^execution input.now: "yesterday" is not an ISO-8601 timestamp/],
    ['hard-prune', 'a day February does not have', { now: '2026-02-30T00:00:00Z' }, /^execution input.now: "2026-02-30T00:00:00Z" is not an ISO-8601 timestamp/],
    ['hard-prune', 'a namespace (fsck only)', { namespace: 'ns' }, /unknown field "namespace"/],
    ['fsck', 'the read-only acknowledgement (hard prune only)', { registryReadOnlyConfirmed: true }, /^execution input: unknown field "registryReadOnlyConfirmed" \(known: namespace, confirm, now\)$/],
    ['fsck', 'a threshold (hard prune only)', { keepYoungerThan: '1h' }, /unknown field "keepYoungerThan"/],
    ['fsck', 'confirm as a string', { confirm: 'yes' }, /^execution input.confirm: must be true or false$/],
    ['fsck', 'a namespace with a slash', { namespace: 'a/b' }, /^execution input.namespace: "a\/b" is not a namespace name/],
  ] as const)('%s rejects %s, naming the field', (tool, _, input, message) => {
    const call = () => startStorageTool(startEvent(input), tool);
    expect(call).toThrow(InvalidInputError);
    expect(call).toThrow(message);
  });
});

describe('the batch events of the storage tools', () => {
  const { run, tool } = startStorageTool(startEvent({}), 'hard-prune');

  it('hands the items and the run to the task', () => {
    const b = parseToolBatch({ Items: [{ prefix: '0a' }, { prefix: 'ff' }], BatchInput: { run, tool } }, 'hard-prune', checkPrefixItem);
    expect(b.items).toEqual(['0a', 'ff']);
    expect(b.run.runId).toBe(run.runId);
  });

  it.each([
    ['a prefix of three digits', { Items: [{ prefix: 'abc' }], BatchInput: { run, tool } }, checkPrefixItem, /event.Items\[0\].prefix/],
    ['an upper-case prefix', { Items: [{ prefix: 'AB' }], BatchInput: { run, tool } }, checkPrefixItem, /event.Items\[0\].prefix/],
    ['a repository escaping the layout', { Items: [{ repository: 'ns/../../x' }], BatchInput: { run, tool } }, checkRepositoryItem, /event.Items\[0\].repository/],
    ['no BatchInput', { Items: [] }, checkPrefixItem, /event.BatchInput: must be an object/],
    ['the other tool\'s options', { Items: [], BatchInput: { run, tool: { ...tool, tool: 'fsck' } } }, checkPrefixItem, /event.BatchInput.tool.tool/],
    ['confirm without the acknowledgement', { Items: [], BatchInput: { run, tool: { ...tool, confirm: true } } }, checkPrefixItem, /registryReadOnlyConfirmed/],
  ])('rejects %s', (_, event, check, message) => {
    expect(() => parseToolBatch(event, 'hard-prune', check as typeof checkPrefixItem)).toThrow(message);
  });
});
