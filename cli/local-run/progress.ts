// What `image-pruner run` shows while it runs: state by state, and a bar per
// deletion kind on a terminal (plain lines otherwise), then the report.
import type { Writable } from 'node:stream';
import type { DeletionKind, Report } from '../../shared/workflow/contracts.js';
import { DELETION_KINDS, STATE } from '../../shared/workflow/contracts.js';
import { formatBytes } from '../format.js';
import type { Progress } from './runner.js';

const LABEL: Record<DeletionKind, string> = {
  layerLinks: 'layer links',
  blobs: 'blobs',
  manifests: 'manifests',
  streamUpdates: 'image streams',
  images: 'images',
};

function bar(done: number, total: number, width = 30): string {
  const filled = total === 0 ? width : Math.round((done / total) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

/** Prints progress lines; on a TTY the deletion bars redraw in place. */
export class ProgressPrinter {
  private readonly tty: boolean;
  private readonly items = new Map<DeletionKind, { done: number; total: number }>();
  private barLines = 0;
  private lastPlain = new Map<DeletionKind, number>();

  constructor(private readonly out: Writable & { isTTY?: boolean }) {
    this.tty = out.isTTY === true;
  }

  update(p: Progress): void {
    switch (p.type) {
      case 'state':
        if (p.phase === 'entered') this.line(`run: ${p.name}`);
        // The Fail state's own name says it ("Prune failed"): no second "failed".
        else if (p.phase === 'failed' && p.name !== STATE.failed) this.line(`run: ${p.name} failed`);
        return;
      case 'planned':
        this.line(`run: plan: ${DELETION_KINDS.map((k) => `${p.totals[k]} ${LABEL[k]}`).join(', ')}`);
        return;
      case 'rechecked':
        this.line(`run: re-check: ${p.spared} items of the plan spared; carrying out ${DELETION_KINDS.map((k) => `${p.totals[k]} ${LABEL[k]}`).join(', ')}`);
        return;
      case 'registry':
        this.line(`run: ${p.line}`);
        return;
      case 'describe':
        return;
      case 'items': {
        this.items.set(p.kind, { done: p.done, total: p.total });
        if (this.tty) return this.redraw();
        // Plain output: a line per tenth of the way, and at the end.
        const step = Math.max(1, Math.ceil(p.total / 10));
        const last = this.lastPlain.get(p.kind) ?? 0;
        if (p.done === p.total || p.done - last >= step) {
          this.lastPlain.set(p.kind, p.done);
          this.out.write(`run: ${LABEL[p.kind]}: ${p.done}/${p.total}\n`);
        }
      }
    }
  }

  /** Leaves the bars as they are and moves on. */
  finish(): void {
    this.barLines = 0;
  }

  private line(text: string): void {
    if (this.tty && this.barLines > 0) {
      this.out.write(`\x1b[${this.barLines}A\x1b[J`);
      this.barLines = 0;
      this.out.write(`${text}\n`);
      this.redraw();
      return;
    }
    this.out.write(`${text}\n`);
  }

  private redraw(): void {
    if (this.barLines > 0) this.out.write(`\x1b[${this.barLines}A\x1b[J`);
    const lines = [...this.items].map(([k, v]) => `  ${LABEL[k].padEnd(14)} ${bar(v.done, v.total)} ${v.done}/${v.total}`);
    this.out.write(lines.map((l) => `${l}\n`).join(''));
    this.barLines = lines.length;
  }
}

/** The report for people, as the run ends; `page` is where report.html is, when known. */
export function formatReport(r: Report, location: string, page?: string): string {
  const lines = [`Run ${r.runId}: ${r.status} (${r.mode})`];
  // The message lists the failed items (bounded by the error itself), one per line.
  if (r.error) lines.push(`  error: ${r.error.name}: ${r.error.message.split('\n').join('\n    ')}`);
  const collected = Object.entries(r.collected).map(([g, n]) => `${n} ${g}`);
  if (collected.length) lines.push(`  collected: ${collected.join(', ')}`);
  if (r.plan) {
    const p = r.plan;
    lines.push(
      `  plan: ${p.images} images, ${p.removedRevisions} revisions in ${p.streamUpdates} image streams, ${p.manifestLinks} manifest links, ${p.layerLinks} layer links, ${p.blobs} blobs (${formatBytes(p.bytesReclaimed)})${p.warnings ? `, ${p.warnings} warnings` : ''}`,
    );
  }
  // Optional chaining: a report written before pruneRegistry existed has no such option.
  if (r.options?.pruneRegistry === false) lines.push('  registry: left alone (pruneRegistry false): no links or blobs deleted; image-pruner hard-prune reclaims the storage later');
  // The race guard (docs/rules.md, "Carrying it out"): what changed since the plan is not deleted.
  if (r.recheck && r.recheck.sparedTotal > 0) lines.push(`  spared ${r.recheck.sparedTotal} items changed since the plan (see report.json)`);
  if (r.carriedOut) {
    for (const k of DELETION_KINDS) {
      const c = r.carriedOut[k];
      if (c) lines.push(`  ${LABEL[k]}: ${c.done} done, ${c.gone} already gone${c.failed ? `, ${c.failed} failed` : ''}${c.notAttempted ? `, ${c.notAttempted} not attempted` : ''}`);
    }
  } else if (r.mode === 'dry-run' && r.status === 'succeeded') {
    lines.push('  dry run: nothing was changed; run again with --confirm to carry out the plan');
  }
  lines.push(`  report: ${location}`);
  if (page) lines.push(`  page:   ${page}`);
  return `${lines.join('\n')}\n`;
}
