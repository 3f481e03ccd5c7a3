// What the HTML report shows of a plan: bytes by namespace and by repository,
// the images to delete with why, and the caps that keep a 100,000-image report
// small. Plans are built by hand here, so that every number is known.
import { describe, expect, it } from 'vitest';
import type { Plan, PlanReasons } from '../../shared/core/plan-types.js';
import { renderHtmlReport } from '../../shared/report/html-report.js';
import { reportDataOf, reportOptionsOf, type ReportContext } from '../../shared/report/report-data.js';
import { formatBytes } from '../../shared/report/sizes.js';
import { formatBytes as cliFormatBytes } from '../../cli/format.js';
import { digest } from '../builders.js';
import { readFileSync } from 'node:fs';
import { computePlan, computePlanWithReasons } from '../../shared/core/plan.js';
import { snapshotFromList } from '../../shared/core/snapshot.js';
import type { KubeList } from '../../shared/core/kube-types.js';
import { EXAMPLE_NOW } from '../cli/run-cli.js';

const d = digest;

/** An image of the snapshot with these layers (seed, size). */
function img(name: string, layers: [string, number][], children: string[] = []) {
  return {
    metadata: { name: d(name) },
    dockerImageLayers: layers.map(([l, size]) => ({ name: d(l), size })),
    ...(children.length ? { dockerImageManifests: children.map((c) => ({ digest: d(c) })) } : {}),
  };
}

function plan(p: Partial<Plan>): Plan {
  return { images: [], streamUpdates: [], manifestLinks: [], layerLinks: [], blobs: [], bytesReclaimed: 0, warnings: [], ...p };
}

function ctx(images: ReportContext['images'], o: Partial<ReportContext> = {}): ReportContext {
  return { images, source: 'test', now: new Date('2026-11-01T00:00:00Z'), options: [], fullPlan: 'plan.json', ...o };
}

const link = (repository: string, seed: string) => ({ repository, digest: d(seed) });

describe('reportDataOf: where the bytes come from', () => {
  // shared: in a/one and a/two (one namespace) and in b/three; solo: only a/one;
  // orphan: an image in no stream; kept: a blob that stays.
  const images = [img('i1', [['shared', 100], ['solo', 10]]), img('i2', [['shared', 100], ['kept', 5000]]), img('orphan', [['orphan-layer', 7]])];
  const p = plan({
    images: [d('i1'), d('i2'), d('orphan')].sort(),
    layerLinks: [link('a/one', 'shared'), link('a/one', 'solo'), link('a/two', 'shared'), link('b/three', 'shared'), link('b/three', 'kept')],
    blobs: [d('shared'), d('solo'), d('orphan-layer')].sort(),
    bytesReclaimed: 117,
  });
  const data = reportDataOf(p, ctx(images));

  it('counts a blob once per namespace, in each namespace that loses a link to it, biggest first', () => {
    expect(data.byNamespace).toEqual({ rows: [{ name: 'a', blobs: 2, bytes: 110 }, { name: 'b', blobs: 1, bytes: 100 }], groups: 2 });
  });

  it('counts a blob in each repository that loses its link, never a blob that stays', () => {
    expect(data.byRepository.rows).toEqual([
      { name: 'a/one', blobs: 2, bytes: 110 },
      { name: 'a/two', blobs: 1, bytes: 100 },
      { name: 'b/three', blobs: 1, bytes: 100 },
    ]);
  });

  it('puts the blobs no deleted link names apart, and keeps the total as the plan counts it', () => {
    expect(data.unlinked).toEqual({ blobs: 1, bytes: 7 });
    expect(data.totals.bytesReclaimed).toBe(117);
  });

  it('sizes each image by its layers that the plan deletes, biggest first', () => {
    expect(data.images.rows.map((r) => [r.image, r.bytes])).toEqual([
      [d('i1'), 110],
      [d('i2'), 100],
      [d('orphan'), 7],
    ]);
  });

  it('has no reasons when the plan carries none', () => {
    expect(data.hasReasons).toBe(false);
    expect(data.images.rows.every((r) => r.reasons === undefined)).toBe(true);
  });
});

describe('reportDataOf: revisions, manifest lists and reasons', () => {
  const images = [img('list', [], ['child']), img('child', [['c-layer', 50]]), img('old', [['o-layer', 20]])];
  const reasons: PlanReasons = {
    images: [
      { image: d('child'), verdict: 'deleted', reasons: ['deleted: its manifest list sha256:… is deleted'] },
      { image: d('old'), verdict: 'deleted', reasons: ['deleted: no strong reference', 'deleted: older than 60m'] },
      { image: d('kept'), verdict: 'stays', reasons: ['stays: Pod ns/web runs it'] },
    ],
    revisions: [
      { namespace: 'ns', name: 'app', tag: 'latest', index: 3, image: d('old'), verdict: 'removed', reasons: ['removed: beyond the newest 3 revisions'] },
      { namespace: 'ns', name: 'app', tag: 'latest', index: 0, image: d('kept'), verdict: 'stays', reasons: ['stays: newest revision'] },
    ],
  };
  const p = plan({
    images: [d('child'), d('list'), d('old')].sort(),
    streamUpdates: [{ namespace: 'ns', name: 'app', removed: [{ tag: 'latest', index: 3, image: d('old') }], removedTags: [] }],
    blobs: [d('c-layer'), d('o-layer')].sort(),
    reasons,
  });
  const data = reportDataOf(p, ctx(images));
  const row = (seed: string) => data.images.rows.find((r) => r.image === d(seed));

  it('lists the revisions the plan removes, with their reasons', () => {
    expect(row('old')?.revisions).toEqual([{ ref: 'ns/app:latest #3', reasons: ['removed: beyond the newest 3 revisions'] }]);
    expect(row('old')?.reasons).toEqual(['deleted: no strong reference', 'deleted: older than 60m']);
  });

  it('names the manifest list of a child that is in no stream', () => {
    expect(row('child')?.revisions).toEqual([]);
    expect(row('child')?.parents).toEqual([d('list')]);
    expect(row('child')?.reasons).toEqual(['deleted: its manifest list sha256:… is deleted']);
  });

  it('keeps only the verdicts of the images shown as deleted', () => {
    expect(data.hasReasons).toBe(true);
    expect(data.images.rows.map((r) => r.image)).not.toContain(d('kept'));
  });
});

describe('reportDataOf and the page at 100,000 images', () => {
  const n = 100_000;
  const names = Array.from({ length: n }, (_, i) => `sha256:${i.toString(16).padStart(64, '0')}`);
  const images = names.map((name, i) => ({ metadata: { name }, dockerImageLayers: [{ name: `sha256:${(i + n).toString(16).padStart(64, '0')}`, size: 1000 + i }] }));
  const p = plan({
    images: names,
    streamUpdates: names.map((name, i) => ({ namespace: `ns-${i % 500}`, name: `app-${i % 5000}`, removed: [{ tag: 'latest', index: 3 + Math.floor(i / 5000), image: name }], removedTags: [] })),
    layerLinks: images.map((im, i) => ({ repository: `ns-${i % 500}/app-${i % 5000}`, digest: im.dockerImageLayers[0].name })),
    blobs: images.map((im) => im.dockerImageLayers[0].name),
    bytesReclaimed: images.reduce((s, im) => s + im.dockerImageLayers[0].size, 0),
    warnings: Array.from({ length: 1000 }, (_, i) => `warning ${i}`),
    // Reasons of a realistic length: two per image, one per revision.
    reasons: {
      images: names.map((image) => ({ image, verdict: 'deleted', reasons: ['deleted: no pod, workload, build or newest revision references it', 'deleted: older than 60m (created 2026-01-01T00:00:00Z)'] })),
      revisions: names.map((image, i) => ({ namespace: `ns-${i % 500}`, name: `app-${i % 5000}`, tag: 'latest', index: 3 + Math.floor(i / 5000), image, verdict: 'removed', reasons: ['removed: beyond the newest 3 revisions and older than 60m'] })),
    },
  });
  const data = reportDataOf(p, ctx(images));
  const page = renderHtmlReport({ data });

  it('keeps the 1,000 biggest images and counts the rest', () => {
    expect(data.images.total).toBe(n);
    expect(data.images.rows).toHaveLength(1000);
    expect(data.images.rows[0].image).toBe(names[n - 1]);
    expect(data.images.rows.map((r) => r.bytes)).toEqual([...data.images.rows.map((r) => r.bytes)].sort((a, b) => b - a));
    expect(page).toContain('…and 99,000 more images not listed here. The complete list: plan.json.');
  });

  it('draws the biggest namespaces and repositories and sums the others', () => {
    expect(data.byNamespace.groups).toBe(500);
    expect(data.byNamespace.rows).toHaveLength(15);
    expect(data.byRepository.groups).toBe(5000);
    const all = data.byRepository.rows.reduce((s, r) => s + r.bytes, 0) + (data.byRepository.more?.bytes ?? 0);
    expect(all).toBe(p.bytesReclaimed);
    expect(data.byRepository.more?.groups).toBe(4985);
    expect(page).toContain('…and 4,985 more repositories (not drawn)');
  });

  it('stays under a megabyte, as stored JSON and as a page', () => {
    expect(JSON.stringify(data).length).toBeLessThan(1_000_000);
    expect(page.length).toBeLessThan(1_000_000);
    expect(data.images.rows[0].reasons).toHaveLength(2);
    expect(data.images.rows[0].revisions[0].reasons).toHaveLength(1);
    expect(data.warnings.rows).toHaveLength(200);
    expect(page).toContain('…and 800 more warnings');
  });
});

describe('options and sizes', () => {
  it('lists the options given, as text, leaving out the unset ones', () => {
    expect(reportOptionsOf({ keepTagRevisions: 3, keepYoungerThan: '60m', all: false, namespace: undefined })).toEqual([
      { name: 'keepTagRevisions', value: '3' },
      { name: 'keepYoungerThan', value: '60m' },
      { name: 'all', value: 'false' },
    ]);
  });

  it('prints sizes through the one formatter the command line re-exports', () => {
    expect(cliFormatBytes).toBe(formatBytes);
    expect(renderHtmlReport({ data: reportDataOf(plan({ bytesReclaimed: 227_331_276 }), ctx([])) })).toContain('216.8 MiB');
  });
});

describe('reportDataOf with the reasons as a source (a run: only the shown images are explained)', () => {
  it.each([
    ['examples/cluster.json', { keepTagRevisions: 1 }],
    ['examples/cluster.json', { keepTagRevisions: 0, all: true }],
    ['examples/oc-options.json', { keepTagRevisions: 1, keepYoungerThanMs: 0 }],
  ] as const)('gives %s (%o) the same report data as the plan with every reason', (file, options) => {
    const snapshot = snapshotFromList(JSON.parse(readFileSync(file, 'utf8')) as KubeList);
    const o = { now: new Date(EXAMPLE_NOW), ...options };
    const whole = computePlan(snapshot, o, { reasons: true });
    const { plan: bare, reasons } = computePlanWithReasons(snapshot, o);
    expect(bare.reasons).toBeUndefined();
    // The fixture is meaningful: images go, with revisions removed and reasons.
    expect(whole.images.length).toBeGreaterThan(0);
    const full = reportDataOf(whole, ctx(snapshot.images, { limits: { images: 3 } }));
    expect(full.images.rows.some((r) => (r.reasons?.length ?? 0) > 0 && r.revisions.some((v) => (v.reasons?.length ?? 0) > 0))).toBe(true);
    expect(reportDataOf(bare, ctx(snapshot.images, { reasons, limits: { images: 3 } }))).toEqual(full);
  });

  it('looks up one image alone, and nothing for a name the snapshot lacks', () => {
    const snapshot = snapshotFromList(JSON.parse(readFileSync('examples/cluster.json', 'utf8')) as KubeList);
    const o = { now: new Date(EXAMPLE_NOW), keepTagRevisions: 1 };
    const whole = computePlan(snapshot, o, { reasons: true });
    const { reasons } = computePlanWithReasons(snapshot, o);
    for (const r of whole.reasons!.images) expect(reasons.image(r.image)).toEqual(r);
    expect(reasons.image(d('not-in-the-snapshot'))).toBeUndefined();
    expect(reasons.revisionsOfImage(d('not-in-the-snapshot'))).toEqual([]);
  });
});
