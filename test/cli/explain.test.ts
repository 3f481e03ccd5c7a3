// `image-pruner explain`: why an image, or a stream tag's revisions, stay or
// go, from the plan's own reasons, so it cannot disagree with `plan`.
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { computePlan } from '../../shared/core/plan.js';
import { snapshotFromList } from '../../shared/core/snapshot.js';
import { EXAMPLE, EXAMPLE_NOW, runCli, tempDir } from './run-cli.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());
const base = ['--snapshot', EXAMPLE, '--now', EXAMPLE_NOW];
const plan = computePlan(snapshotFromList(JSON.parse(readFileSync(EXAMPLE, 'utf8'))), { now: new Date(EXAMPLE_NOW) }, { reasons: true });

describe('explain NAMESPACE/STREAM:TAG', () => {
  it('lists every revision of the tag with the verdict the plan gives it and every reason', async () => {
    const r = await runCli(['explain', 'ci/base:latest', ...base]);
    expect(r.code, r.stderr).toBe(0);
    const revisions = plan.reasons!.revisions.filter((v) => v.namespace === 'ci' && v.name === 'base' && v.tag === 'latest');
    expect(revisions.length).toBeGreaterThan(1);
    const removed = plan.streamUpdates.find((u) => u.namespace === 'ci' && u.name === 'base')?.removed.filter((x) => x.tag === 'latest') ?? [];
    for (const v of revisions) {
      const verdict = removed.some((x) => x.index === v.index) ? 'removed' : 'stays';
      expect(r.stdout).toContain(`  ci/base:latest#${v.index} ${v.image}: ${verdict}\n`);
      for (const reason of v.reasons) expect(r.stdout).toContain(`    - ${reason}\n`);
    }
    expect(r.stdout.split('\n')[0]).toBe(`ci/base:latest: ${revisions.length} revision(s), ${removed.length} removed`);
  });

  it('says that a revision beyond --keep-tag-revisions goes although its image stays through another stream (oc trims per revision)', async () => {
    const r = await runCli(['explain', 'ci/base:latest', ...base]);
    expect(r.stdout).toMatch(/ci\/base:latest#3 (sha256:[0-9a-f]{64}): removed\n {4}- beyond keepTagRevisions 3: position 3\n/);
    const image = /ci\/base:latest#3 (sha256:[0-9a-f]{64})/.exec(r.stdout)![1];
    expect(r.stdout).toContain(`image ${image}: stays\n  - revision openshift/ubi:9#0 stays`);
  });
});

describe('explain DIGEST', () => {
  const deleted = plan.images[0];

  it('gives the image verdict and reasons, upper-case hex accepted', async () => {
    expect(deleted).toBeDefined();
    const r = await runCli(['explain', deleted.replace(/[0-9a-f]{64}$/, (h) => h.toUpperCase()), ...base]);
    expect(r.code, r.stderr).toBe(0);
    const entry = plan.reasons!.images.find((i) => i.image === deleted)!;
    expect(entry.verdict).toBe('deleted');
    expect(r.stdout.startsWith(`image ${deleted}: deleted\n${entry.reasons.map((x) => `  - ${x}\n`).join('')}`)).toBe(true);
  });

  it('prints the concerned entries of the reasons field with --output json', async () => {
    const r = await runCli(['explain', deleted, ...base, '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.target).toBe(deleted);
    expect(out.images).toEqual(plan.reasons!.images.filter((i) => i.image === deleted));
    expect(out.revisions).toEqual(plan.reasons!.revisions.filter((v) => v.image === deleted));
  });

  it('writes --out FILE', async () => {
    const file = `${tmp.dir}/why.txt`;
    const r = await runCli(['explain', deleted, ...base, '--out', file]);
    expect(r.code).toBe(0);
    expect(readFileSync(file, 'utf8')).toContain(`image ${deleted}: deleted`);
  });
});

describe('explain refusals', () => {
  it.each([
    [['explain', '--snapshot', EXAMPLE], 2, /^image-pruner explain: give what to explain first/],
    [['explain', 'Not A Target', ...base], 2, /^image-pruner explain: "Not A Target" is neither an image digest/],
    [['explain', 'ci/base:latest', ...base, '-o', 'html'], 2, /^image-pruner explain: flag --output: explain prints table or json, not html/],
    [['explain', 'nope/none:latest', ...base], 1, /^image-pruner explain: nope\/none:latest is not a tag of any image stream in examples\/cluster\.json\n$/],
    [['explain', `sha256:${'0'.repeat(64)}`, ...base], 1, /^image-pruner explain: sha256:0{64} is neither an Image nor a revision in examples\/cluster\.json\n$/],
  ])('%j exits %i with one line', async (argv, code, message) => {
    const r = await runCli(argv as string[]);
    expect(r.code).toBe(code);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  it('prints its help with --help, naming the targets and the plan flags', async () => {
    const r = await runCli(['explain', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: image-pruner explain TARGET/);
    expect(r.stdout).toContain('--keep-tag-revisions');
    expect(r.stdout).toContain('--prune-over-size-limit');
  });
});
