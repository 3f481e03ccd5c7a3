// The HTML report of a plan or a run: one self-contained file (inline CSS,
// inline SVG charts, no script, a Content-Security-Policy that forbids loading
// anything) that a platform team can open, mail or attach to a ticket.
// Totals first, then where the space comes from, then the images to delete
// with why, then warnings and the options the plan was made with.
import { html, type SafeHtml } from './html.js';
import type { ChartData, ImageRow, ReportData, ReportTotals } from './report-data.js';
import { formatBytes } from './sizes.js';

/**
 * Nothing may be loaded: no script, image, font, frame or connection; only the
 * page's own inline style. Even a missed escape could not run a script.
 */
export const REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'";

/** How a run of the workflow ended (report.json's fields the page shows). */
export interface RunOutcome {
  runId: string;
  status: 'succeeded' | 'failed';
  mode: 'dry-run' | 'confirmed';
  collected: Record<string, number>;
  carriedOut?: Partial<Record<string, { done: number; gone: number }>>;
  error?: { name: string; message: string };
}

/** What the page is made of. */
export interface HtmlReportInput {
  /** The plan's report; absent when the run stopped before a plan, or its report data could not be read. */
  data?: ReportData;
  /** Totals to show without {@link data} (summary.json's counts). */
  totals?: ReportTotals;
  /** Set for a workflow run: its outcome heads the page. */
  run?: RunOutcome;
  /** Why {@link data} is missing, shown in its place. */
  missing?: string;
}

const count = (n: number): string => n.toLocaleString('en-US');
const plural = (n: number, one: string, many: string): string => `${count(n)} ${n === 1 ? one : many}`;

const STYLE = `
:root { color-scheme: light; --ink: #1d2430; --muted: #5b6472; --line: #dde2ea; --panel: #f6f8fb; --ns: #3465a4; --repo: #1f8a70; --unlinked: #9aa3af; --warn: #9a6700; --bad: #b42318; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--ink); background: #fff; }
main { max-width: 1120px; margin: 0 auto; padding: 28px 32px 40px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 32px 0 6px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
p { margin: 6px 0; }
.sub, .note { color: var(--muted); }
.note { font-size: 13px; max-width: 900px; }
code { font: 12.5px/1.35 ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; overflow-wrap: anywhere; }
.banner { margin: 14px 0 0; padding: 10px 14px; border-radius: 6px; background: var(--panel); border-left: 4px solid var(--ns); }
.banner.failed { border-left-color: var(--bad); background: #fef3f2; }
.totals { display: grid; grid-template-columns: repeat(auto-fill, minmax(160px, 1fr)); gap: 10px; margin: 18px 0 0; }
.totals div { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; }
.totals dt { color: var(--muted); font-size: 12.5px; }
.totals dd { margin: 2px 0 0; font-size: 22px; font-weight: 600; }
.totals dd small { display: block; font-size: 12px; font-weight: 400; color: var(--muted); }
.totals .space { grid-column: span 2; background: #eef4fb; border-color: #c9dbf0; }
.totals .space dd { font-size: 28px; color: var(--ns); }
svg.chart { display: block; width: 100%; max-width: 1056px; height: auto; margin: 8px 0 2px; }
svg.chart text { font: 12.5px system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; fill: var(--ink); }
svg.chart text.value { fill: var(--muted); }
svg.chart .namespace rect { fill: var(--ns); }
svg.chart .repository rect { fill: var(--repo); }
svg.chart .unlinked rect { fill: var(--unlinked); }
svg.chart line { stroke: var(--line); }
.more { color: var(--muted); font-size: 13px; margin: 2px 0 0; }
table { border-collapse: collapse; width: 100%; margin: 8px 0; }
th, td { text-align: left; vertical-align: top; padding: 6px 8px; border-bottom: 1px solid var(--line); }
th { font-size: 12.5px; color: var(--muted); font-weight: 600; background: var(--panel); }
td.num, th.num { text-align: right; white-space: nowrap; }
td ul { margin: 0; padding-left: 16px; }
td li { margin: 1px 0; }
.images td:nth-child(2) { width: 34%; }
.why { color: var(--ink); }
.rev { color: var(--muted); }
.warnings li { color: var(--warn); margin: 3px 0; }
.options { width: auto; }
.options td:first-child { color: var(--muted); padding-right: 24px; }
footer { margin-top: 36px; color: var(--muted); font-size: 12.5px; border-top: 1px solid var(--line); padding-top: 10px; }
`;

function totalsSection(t: ReportTotals): SafeHtml {
  const item = (key: string, label: string, value: number, detail?: string) =>
    html`<div><dt>${label}</dt><dd data-total="${key}">${count(value)}${detail ? html`<small>${detail}</small>` : ''}</dd></div>`;
  return html`<section id="totals"><h2>Totals</h2><dl class="totals">
<div class="space"><dt>Space reclaimed</dt><dd data-total="bytes" data-bytes="${t.bytesReclaimed}">${formatBytes(t.bytesReclaimed)}<small>${count(t.bytesReclaimed)} bytes, each deleted blob counted once</small></dd></div>
${item('images', 'Images to delete', t.images)}
${item('revisions', 'Stream revisions to remove', t.removedRevisions, `in ${plural(t.streamUpdates, 'image stream', 'image streams')}`)}
${t.removedTags !== undefined ? item('tags', 'Tags to remove', t.removedTags) : ''}
${item('manifest-links', 'Manifest links to delete', t.manifestLinks)}
${item('layer-links', 'Layer links to delete', t.layerLinks)}
${item('blobs', 'Blobs to delete', t.blobs)}
${item('warnings', 'Warnings', t.warnings)}
</dl></section>`;
}

// The chart's geometry, in SVG user units (the SVG scales to the page's width).
const CHART = { width: 1056, label: 300, gap: 10, bar: 560, row: 26, barHeight: 16 };
const LABEL_CHARS = 44;

function shorten(name: string): string {
  return name.length <= LABEL_CHARS ? name : `${name.slice(0, LABEL_CHARS - 1)}…`;
}

interface Bar {
  kind: 'namespace' | 'repository' | 'unlinked';
  name: string;
  blobs: number;
  bytes: number;
}

function chartSection(id: string, kind: 'namespace' | 'repository', title: string, chart: ChartData, unlinked: { blobs: number; bytes: number }): SafeHtml {
  const noun = (n: number) => (kind === 'namespace' ? (n === 1 ? 'namespace' : 'namespaces') : n === 1 ? 'repository' : 'repositories');
  const bars: Bar[] = chart.rows.map((r) => ({ kind, ...r }));
  if (unlinked.blobs > 0) bars.push({ kind: 'unlinked', name: '(images in no image stream)', ...unlinked });
  const shown = chart.rows.length < chart.groups ? `the ${count(chart.rows.length)} biggest of ${count(chart.groups)} ${noun(chart.groups)}` : plural(chart.groups, noun(1), noun(2));
  if (bars.length === 0) {
    return html`<section id="${id}"><h2>${title}</h2><p class="note">Nothing to reclaim.</p></section>`;
  }
  // Widths are proportional to bytes, against the biggest bar; a bar with any bytes is at least 1 unit wide, so it shows.
  const max = Math.max(1, ...bars.map((b) => b.bytes));
  const height = bars.length * CHART.row + 6;
  const x0 = CHART.label + CHART.gap;
  const rows = bars.map((b, i) => {
    const y = i * CHART.row + 4;
    const w = b.bytes === 0 ? 0 : Math.max(1, Math.round((b.bytes / max) * CHART.bar * 10) / 10);
    return html`<g class="bar ${b.kind}" data-kind="${b.kind}" data-name="${b.name}" data-bytes="${b.bytes}"><title>${b.name}: ${formatBytes(b.bytes)} in ${plural(b.blobs, 'blob', 'blobs')}</title>
<text x="${CHART.label}" y="${y + 13}" text-anchor="end">${shorten(b.name)}</text>
<rect x="${x0}" y="${y}" width="${w}" height="${CHART.barHeight}" rx="2"></rect>
<text class="value" x="${x0 + w + 6}" y="${y + 13}">${formatBytes(b.bytes)} · ${plural(b.blobs, 'blob', 'blobs')}</text></g>`;
  });
  const more = chart.more
    ? html`<p class="more" data-more="${chart.more.groups}">…and ${count(chart.more.groups)} more ${noun(chart.more.groups)} (not drawn): ${formatBytes(chart.more.bytes)} in ${plural(chart.more.blobs, 'blob', 'blobs')} between them.</p>`
    : '';
  return html`<section id="${id}"><h2>${title}</h2>
<p class="note">${chart.groups > 0 ? `${shown[0].toUpperCase()}${shown.slice(1)}${chart.groups > 1 ? ', biggest first' : ''}. ` : ''}A bar counts every deleted blob whose layer link the ${noun(1)} loses; a blob shared by several ${noun(2)} counts in each bar but once in the total, so the bars can add up to more than the space reclaimed.${unlinked.blobs > 0 ? ' The grey bar: blobs of images that no image stream holds (their stream is gone, or they are children of a manifest list), which have no layer link to delete.' : ''}</p>
<svg class="chart" role="img" aria-label="${title}" viewBox="0 0 ${CHART.width} ${height}" width="${CHART.width}" height="${height}" xmlns="http://www.w3.org/2000/svg">
<line x1="${x0}" y1="0" x2="${x0}" y2="${height}"></line>
${rows}</svg>${more}</section>`;
}

function reasonList(reasons: string[] | undefined, more: number | undefined, cls: string): SafeHtml | '' {
  if (!reasons || reasons.length === 0) return '';
  return html`<ul class="${cls}">${reasons.map((r) => html`<li>${r}</li>`)}${more ? html`<li>…and ${plural(more, 'more reason', 'more reasons')}</li>` : ''}</ul>`;
}

function imageRow(r: ImageRow, i: number): SafeHtml {
  const revisions = html`<ul>${r.revisions.map((v) => html`<li><code>${v.ref}</code>${reasonList(v.reasons, v.moreReasons, 'rev')}</li>`)}${
    r.moreRevisions ? html`<li class="rev">…and ${plural(r.moreRevisions, 'more revision', 'more revisions')}</li>` : ''
  }</ul>`;
  const parents = r.parents ? html`<span class="rev">child of manifest list ${r.parents.map((p, j) => html`${j > 0 ? ', ' : ''}<code>${p}</code>`)}</span>` : '';
  const where = r.revisions.length > 0 ? html`${revisions}${parents}` : parents || html`<span class="rev">in no image stream</span>`;
  return html`<tr data-image="${r.image}"><td class="num">${count(i + 1)}</td><td><code>${r.image}</code></td><td class="num" data-bytes="${r.bytes}">${formatBytes(r.bytes)}</td><td>${where}</td><td>${
    reasonList(r.reasons, r.moreReasons, 'why') || html`<span class="rev">—</span>`
  }</td></tr>`;
}

function imagesSection(d: ReportData): SafeHtml {
  const { rows, total } = d.images;
  if (total === 0) return html`<section id="images"><h2>Images to delete</h2><p class="note">No image is deleted.</p></section>`;
  const heading = rows.length < total ? `Images to delete: the ${count(rows.length)} biggest of ${count(total)}` : `Images to delete (${count(total)})`;
  return html`<section id="images"><h2>${heading}</h2>
<p class="note">Biggest first: an image's bytes are those of its layers that the plan deletes (a layer shared by two deleted images counts in both). "Removed from" lists the stream revisions the plan removes (<code>namespace/stream:tag #index</code>, 0 = newest).${
    d.hasReasons ? '' : ' This plan carries no reasons, so the "Why" column is empty.'
  }</p>
<table class="images"><thead><tr><th class="num">#</th><th>Image</th><th class="num">Reclaims</th><th>Removed from</th><th>Why</th></tr></thead>
<tbody>${rows.map(imageRow)}</tbody></table>
${rows.length < total ? html`<p class="more" data-more="${total - rows.length}">…and ${plural(total - rows.length, 'more image', 'more images')} not listed here. The complete list: ${d.fullPlan}.</p>` : ''}</section>`;
}

function warningsSection(d: ReportData): SafeHtml | '' {
  const { rows, total } = d.warnings;
  if (total === 0) return '';
  return html`<section id="warnings"><h2>Warnings (${count(total)})</h2><ul class="warnings">${rows.map((w) => html`<li>${w}</li>`)}</ul>${
    rows.length < total ? html`<p class="more">…and ${plural(total - rows.length, 'more warning', 'more warnings')}: see ${d.fullPlan}.</p>` : ''
  }</section>`;
}

function optionsSection(d: ReportData): SafeHtml {
  return html`<section id="options"><h2>How the plan was made</h2><table class="options"><tbody>
<tr><td>source</td><td>${d.source}</td></tr>
<tr><td>now (ages are measured from)</td><td data-now>${d.now}</td></tr>
${d.options.map((o) => html`<tr><td>${o.name}</td><td>${o.value}</td></tr>`)}
</tbody></table></section>`;
}

function runSection(run: RunOutcome): SafeHtml {
  const collected = Object.entries(run.collected).map(([g, n]) => `${count(n)} ${g}`).join(', ');
  const carried = run.carriedOut ? Object.entries(run.carriedOut).filter((e): e is [string, { done: number; gone: number }] => e[1] !== undefined) : [];
  return html`<section id="run"><div class="banner ${run.status}" data-status="${run.status}">
<p><strong>Run ${run.runId}: ${run.status}</strong> (${run.mode === 'dry-run' ? 'dry run: nothing was changed' : 'confirmed'})</p>
${run.error ? html`<p>Error: <strong>${run.error.name}</strong>: ${run.error.message}</p>` : ''}
${collected ? html`<p class="sub">Collected: ${collected}</p>` : ''}
</div>
${
  carried.length > 0
    ? html`<table class="options"><thead><tr><th>Carried out</th><th class="num">done</th><th class="num">already gone</th></tr></thead><tbody>${carried.map(
        ([k, c]) => html`<tr><td>${k}</td><td class="num">${count(c.done)}</td><td class="num">${count(c.gone)}</td></tr>`,
      )}</tbody></table>`
    : ''
}</section>`;
}

/**
 * Renders the report as one self-contained HTML document. Every string from the
 * cluster (names, tags, warnings, reasons) is escaped; the page loads nothing.
 */
export function renderHtmlReport(input: HtmlReportInput): string {
  const { data, run } = input;
  const totals = data?.totals ?? input.totals;
  const title = run ? `Prune run ${run.runId}` : `Prune plan for ${data?.source ?? 'a snapshot'}`;
  const sub = data
    ? html`Plan of <strong>${data.source}</strong> as of <strong>${data.now}</strong>.${run ? '' : ' Dry run: nothing was deleted; image-pruner plan only reads.'}`
    : '';
  const body = html`<main>
<header><h1>${title}</h1><p class="sub">${sub}</p></header>
${run ? runSection(run) : ''}
${totals ? totalsSection(totals) : ''}
${
  data
    ? [
        chartSection('by-namespace', 'namespace', 'Reclaimable bytes by namespace', data.byNamespace, data.unlinked),
        chartSection('by-repository', 'repository', 'Reclaimable bytes by repository', data.byRepository, data.unlinked),
        imagesSection(data),
        warningsSection(data),
        optionsSection(data),
      ]
    : html`<p class="note" id="no-plan">${input.missing ?? 'No plan was computed.'}</p>`
}
<footer><p>Sizes are in binary units (1 KiB = 1024 bytes), from the images' <code>dockerImageLayers[].size</code> (the largest when images disagree); config blobs and manifests that no layer entry sizes count 0. Made by image-pruner; this page loads nothing and runs no script.</p></footer>
</main>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${html`${title}`}</title>
<style>${STYLE}</style></head>
<body>${body}</body></html>
`;
}
