// The HTML report as a person sees it: rendered in Debian's headless chromium,
// then read back from the page. Totals, one bar per namespace and repository
// ordered by bytes, names that try to inject markup shown as text and never
// run, and nothing requested beyond the file itself. Without chromium these
// tests fail (CI installs it); they never skip.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computePlan } from '../../shared/core/plan.js';
import type { Plan } from '../../shared/core/plan-types.js';
import { snapshotFromList } from '../../shared/core/snapshot.js';
import { renderHtmlReport } from '../../shared/report/html-report.js';
import { reportDataOf } from '../../shared/report/report-data.js';
import { formatBytes, namespaceOf } from '../../shared/report/sizes.js';
import type { Report } from '../../shared/workflow/contracts.js';
import { launchChromium } from '../../scripts/headless-chromium.js';
import { digest as d, image, layer, list, stream } from '../builders.js';
import { EXAMPLE, EXAMPLE_NOW, runCli, tempDir } from '../cli/run-cli.js';

const tmp = tempDir();
let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  tmp.cleanup();
});

/** What loading a page did: every URL it requested, console errors (CSP violations among them), script errors. */
interface Loaded {
  page: Page;
  url: string;
  requests: string[];
  errors: string[];
}

let pages = 0;
/** Writes `html` to a file and opens it as file://, recording what the page asks for. */
async function open(html: string): Promise<Loaded> {
  const file = tmp.file(`page-${pages++}.html`, html);
  return openFile(file);
}

async function openFile(file: string): Promise<Loaded> {
  const url = pathToFileURL(file).href;
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const requests: string[] = [];
  const errors: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url, { waitUntil: 'load' });
  return { page, url, requests, errors };
}

/** The bars of one chart: kind, name, bytes (from data-bytes) and rendered width, top to bottom. */
async function bars(page: Page, chart: string) {
  return page.$$eval(`#${chart} g.bar`, (gs) =>
    gs.map((g) => ({
      kind: g.getAttribute('data-kind'),
      name: g.getAttribute('data-name'),
      bytes: Number(g.getAttribute('data-bytes')),
      width: g.querySelector('rect')!.getBoundingClientRect().width,
      label: g.querySelector('text')?.textContent,
    })),
  );
}

async function total(page: Page, key: string): Promise<string> {
  return (await page.locator(`[data-total="${key}"]`).evaluate((e) => e.firstChild?.textContent ?? '')).trim();
}

/** The namespaces and repositories whose layer links the plan deletes, to blobs it deletes. */
function groupsOf(plan: Plan) {
  const deleted = new Set(plan.blobs);
  const repos = new Set(plan.layerLinks.filter((l) => deleted.has(l.digest)).map((l) => l.repository));
  return { repositories: repos, namespaces: new Set([...repos].map(namespaceOf)) };
}

describe('a plan built by hand, with reasons and hostile names', () => {
  const evil = '<script>window.__injected = 1</script>';
  const evilAttr = '"><img src=x onerror="window.__injected=2">';
  const evilNs = '<svg onload="window.__injected=3">';
  // Four namespaces of distinct sizes; a namespace, a stream, a tag, a warning, an option and the source carry markup.
  const sizes: Record<string, number> = { big: 9 * 2 ** 20, [evilNs]: 5 * 2 ** 20, mid: 3 * 2 ** 20, small: 2 ** 20 };
  const namespaces = Object.keys(sizes);
  const streamOf = (ns: string) => (ns === evilNs ? evil : 'app');
  const layerOf = (ns: string) => d(`layer-${ns}`);
  const imageOf = (ns: string) => d(`image-${ns}`);
  const images = namespaces.map((ns) => ({ metadata: { name: imageOf(ns) }, dockerImageLayers: [{ name: layerOf(ns), size: sizes[ns] }] }));
  const plan: Plan = {
    images: namespaces.map(imageOf).sort(),
    streamUpdates: namespaces.map((ns) => ({ namespace: ns, name: streamOf(ns), removed: [{ tag: ns === 'mid' ? evilAttr : 'latest', index: 3, image: imageOf(ns) }], removedTags: [] })),
    manifestLinks: namespaces.map((ns) => ({ repository: `${ns}/${streamOf(ns)}`, digest: imageOf(ns) })),
    layerLinks: namespaces.map((ns) => ({ repository: `${ns}/${streamOf(ns)}`, digest: layerOf(ns) })),
    blobs: namespaces.map(layerOf).sort(),
    bytesReclaimed: Object.values(sizes).reduce((a, b) => a + b, 0),
    warnings: [`Pod ${evil}/web: ${evilAttr}`],
    reasons: {
      images: namespaces.map((ns) => ({ image: imageOf(ns), verdict: 'deleted' as const, reasons: [`deleted: nothing in ${ns} references it`] })),
      revisions: [],
    },
  };
  let loaded: Loaded;
  beforeAll(async () => {
    const data = reportDataOf(plan, { images, source: evil, now: new Date(EXAMPLE_NOW), options: [{ name: 'namespace', value: evilAttr }], fullPlan: 'plan.json' });
    loaded = await open(renderHtmlReport({ data }));
  });

  it('shows the totals', async () => {
    expect(await total(loaded.page, 'bytes')).toBe(formatBytes(plan.bytesReclaimed));
    expect(await total(loaded.page, 'bytes')).toBe('18.0 MiB');
    expect(await total(loaded.page, 'images')).toBe('4');
    expect(await total(loaded.page, 'blobs')).toBe('4');
    expect(await total(loaded.page, 'layer-links')).toBe('4');
  });

  it('draws one bar per namespace, biggest first, widths in proportion to bytes', async () => {
    const ns = await bars(loaded.page, 'by-namespace');
    expect(ns.map((b) => b.name)).toEqual(['big', evilNs, 'mid', 'small']);
    expect(ns.every((b) => b.kind === 'namespace')).toBe(true);
    for (let i = 1; i < ns.length; i++) expect(ns[i].width).toBeLessThan(ns[i - 1].width);
    // 9 : 5 : 3 : 1, as rendered (to a pixel).
    for (const b of ns) expect(b.width).toBeCloseTo((ns[0].width * b.bytes) / ns[0].bytes, 0);
    expect(await bars(loaded.page, 'by-repository')).toHaveLength(namespaces.length);
  });

  it('shows names with markup as text: no element is created and no script runs', async () => {
    const { page } = loaded;
    // Strings, evaluated in the page: the tests are typed for Node, without the DOM's globals.
    expect(await page.evaluate('typeof window.__injected')).toBe('undefined');
    expect(await page.evaluate("document.querySelectorAll('script, img, iframe, object, embed').length")).toBe(0);
    const text = await page.locator('body').innerText();
    for (const markup of [evil, evilAttr, evilNs, `${evilNs}/${evil}:latest #3`, `mid/app:${evilAttr} #3`, `Pod ${evil}/web: ${evilAttr}`]) expect(text).toContain(markup);
    expect(await page.title()).toBe(`Prune plan for ${evil}`);
    expect((await bars(page, 'by-namespace'))[1].label).toBe(evilNs);
    expect((await bars(page, 'by-repository'))[1].name).toBe(`${evilNs}/${evil}`);
  });

  it('lists the images to delete with why', async () => {
    const rows = await loaded.page.locator('#images tbody tr').allInnerTexts();
    expect(rows).toHaveLength(4);
    expect(rows[0]).toContain(imageOf('big'));
    expect(rows[0]).toContain('deleted: nothing in big references it');
    expect(rows[0]).toContain('9.0 MiB');
  });

  it('requests nothing but the file, and breaks no rule of its Content-Security-Policy', async () => {
    expect(loaded.requests).toEqual([loaded.url]);
    expect(loaded.errors).toEqual([]);
  });
});

describe('image-pruner plan --output html on the shipped example', () => {
  let plan: Plan;
  let loaded: Loaded;
  beforeAll(async () => {
    const out = join(tmp.dir, 'example.html');
    const r = await runCli(['plan', '--snapshot', EXAMPLE, '--now', EXAMPLE_NOW, '--output', 'html', '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    plan = computePlan(snapshotFromList(JSON.parse(await readFile(EXAMPLE, 'utf8'))), { now: new Date(EXAMPLE_NOW) });
    loaded = await openFile(out);
  });

  it('shows the plan totals of the rules', async () => {
    expect(await total(loaded.page, 'bytes')).toBe(formatBytes(plan.bytesReclaimed));
    expect(await total(loaded.page, 'images')).toBe(String(plan.images.length));
    expect(await total(loaded.page, 'blobs')).toBe(String(plan.blobs.length));
    expect(await total(loaded.page, 'revisions')).toBe(String(plan.streamUpdates.reduce((n, u) => n + u.removed.length, 0)));
  });

  it('has one bar per namespace and per repository of the plan, plus one for images in no stream', async () => {
    const { namespaces, repositories } = groupsOf(plan);
    const ns = await bars(loaded.page, 'by-namespace');
    expect(ns.filter((b) => b.kind === 'namespace').map((b) => b.name).sort()).toEqual([...namespaces].sort());
    expect((await bars(loaded.page, 'by-repository')).filter((b) => b.kind === 'repository').map((b) => b.name).sort()).toEqual([...repositories].sort());
    expect(ns.filter((b) => b.kind === 'unlinked')).toHaveLength(1);
  });

  it('lists every image of the plan, biggest first', async () => {
    const rows = await loaded.page.$$eval('#images tbody tr', (trs) => trs.map((tr) => ({ image: tr.getAttribute('data-image'), bytes: Number(tr.querySelector('[data-bytes]')?.getAttribute('data-bytes')) })));
    expect(rows.map((r) => r.image).sort()).toEqual(plan.images);
    expect(rows.map((r) => r.bytes)).toEqual([...rows.map((r) => r.bytes)].sort((a, b) => b - a));
    // Once computePlan fills `reasons`, the page shows them.
    if (plan.reasons) expect(await loaded.page.locator('#images ul.why li').count()).toBeGreaterThan(0);
  });

  it('requests nothing but the file', async () => {
    expect(loaded.requests).toEqual([loaded.url]);
    expect(loaded.errors).toEqual([]);
  });

  it('writes the same page to stdout without --out', async () => {
    const r = await runCli(['plan', '--snapshot', EXAMPLE, '--now', EXAMPLE_NOW, '-o', 'html']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(await readFile(join(tmp.dir, 'example.html'), 'utf8'));
  });
});

describe('report.html of image-pruner run', () => {
  async function runAndOpen(snapshotFile: string, artifacts: string) {
    const r = await runCli(['run', '--snapshot', snapshotFile, '--artifacts', artifacts, '--now', EXAMPLE_NOW]);
    const [runId] = await readdir(join(artifacts, 'runs'));
    const page = join(artifacts, 'runs', runId, 'report.html');
    const report = JSON.parse(await readFile(join(artifacts, 'runs', runId, 'report.json'), 'utf8')) as Report;
    return { r, page, report, loaded: await openFile(page) };
  }

  it('is written next to report.json, its path printed, and shows the outcome and the plan', async () => {
    const { r, page, report, loaded } = await runAndOpen(EXAMPLE, join(tmp.dir, 'run-ok'));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`  page:   ${page}\n`);
    expect(await loaded.page.getAttribute('[data-status]', 'data-status')).toBe('succeeded');
    expect(await loaded.page.locator('#run').innerText()).toContain('dry run: nothing was changed');
    expect(await total(loaded.page, 'bytes')).toBe(formatBytes(report.plan!.bytesReclaimed));
    expect(await total(loaded.page, 'images')).toBe(String(report.plan!.images));
    const plan = computePlan(snapshotFromList(JSON.parse(await readFile(EXAMPLE, 'utf8'))), { now: new Date(EXAMPLE_NOW) });
    const ns = (await bars(loaded.page, 'by-namespace')).filter((b) => b.kind === 'namespace');
    expect(ns.map((b) => b.name).sort()).toEqual([...groupsOf(plan).namespaces].sort());
    expect(await loaded.page.locator('#images ul.why li').count()).toBeGreaterThan(0);
    expect(loaded.requests).toEqual([loaded.url]);
    expect(loaded.errors).toEqual([]);
  });

  it('is written for a run that fails before its plan, with the error', async () => {
    const bad = tmp.file(
      'bad.json',
      JSON.stringify(list(image('a', { layers: [layer('l')] }), stream('ns', 'app', { latest: ['a'] }), {
        kind: 'Pod',
        apiVersion: 'v1',
        metadata: { namespace: 'ns', name: '<b>p</b>', creationTimestamp: '2026-01-01T00:00:00Z' },
        spec: { containers: [{ name: 'c', image: 'Bad Ref' }] },
        status: { phase: 'Running' },
      })),
    );
    const { r, loaded } = await runAndOpen(bad, join(tmp.dir, 'run-failed'));
    expect(r.code).toBe(1);
    expect(await loaded.page.getAttribute('[data-status]', 'data-status')).toBe('failed');
    const text = await loaded.page.locator('#run').innerText();
    expect(text).toContain('InvalidReferencesError');
    expect(await loaded.page.locator('#no-plan').innerText()).toBe('The run stopped before a plan was computed.');
    expect(await loaded.page.locator('#totals').count()).toBe(0);
    // The pod's name is markup: shown as text in the error, never a <b> element.
    expect(text).toContain('<b>p</b>');
    expect(await loaded.page.locator('b').count()).toBe(0);
    expect(loaded.errors).toEqual([]);
  });
});
