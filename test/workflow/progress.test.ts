// What `run` shows while it runs: bars redrawn in place on a terminal, a line
// per tenth of the way otherwise, and the report at the end.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { formatReport, ProgressPrinter } from '../../cli/local-run/progress.js';

function sink(isTTY: boolean): Writable & { isTTY?: boolean; text: string } {
  const w = new Writable({
    write(chunk, _e, cb) {
      w.text += String(chunk);
      cb();
    },
  }) as Writable & { isTTY?: boolean; text: string };
  w.text = '';
  w.isTTY = isTTY;
  return w;
}

describe('run progress', () => {
  it('prints plain lines per tenth when not on a terminal', () => {
    const out = sink(false);
    const p = new ProgressPrinter(out);
    p.update({ type: 'state', name: 'Delete registry links', phase: 'entered' });
    for (let done = 10; done <= 100; done += 10) p.update({ type: 'items', kind: 'blobs', done, total: 100 });
    expect(out.text.split('\n').filter(Boolean)).toEqual(['run: Delete registry links', ...Array.from({ length: 10 }, (_, i) => `run: blobs: ${(i + 1) * 10}/100`)]);
    expect(out.text).not.toContain('\x1b[');
  });

  it('redraws one bar per deletion kind in place on a terminal', () => {
    const out = sink(true);
    const p = new ProgressPrinter(out);
    p.update({ type: 'items', kind: 'manifests', done: 5, total: 10 });
    p.update({ type: 'items', kind: 'blobs', done: 10, total: 10 });
    expect(out.text).toContain('\x1b[1A\x1b[J');
    const last = out.text.split('\x1b[J').pop() ?? '';
    expect(last).toBe(`  manifests      [${'#'.repeat(15)}${'.'.repeat(15)}] 5/10\n  blobs          [${'#'.repeat(30)}] 10/10\n`);
  });

  it('the report names the run, the mode, the plan and where report.json is', () => {
    const text = formatReport(
      {
        runId: 'r1',
        executionId: 'e',
        status: 'failed',
        mode: 'confirmed',
        options: { confirm: true, keepTagRevisions: 3, keepYoungerThan: '60m', all: false, ignoreInvalidRefs: false, pruneOverSizeLimit: false, pruneRegistry: true, numWorkers: 10, now: '2026-11-01T00:00:00Z' },
        collected: { images: 3 },
        plan: { images: 1, streamUpdates: 1, removedRevisions: 1, manifestLinks: 1, layerLinks: 2, blobs: 2, bytesReclaimed: 10, warnings: 0 },
        carriedOut: { layerLinks: { done: 2, gone: 0 } },
        error: { name: 'BatchItemsFailedError', message: '1 of 1 manifests failed:\n  a@b: HTTP 500' },
        reportKey: 'runs/r1/report.json',
      },
      '/x/runs/r1/report.json',
    );
    expect(text).toBe(
      [
        'Run r1: failed (confirmed)',
        '  error: BatchItemsFailedError: 1 of 1 manifests failed:',
        '      a@b: HTTP 500',
        '  collected: 3 images',
        '  plan: 1 images, 1 revisions in 1 image streams, 1 manifest links, 2 layer links, 2 blobs (10 B)',
        '  layer links: 2 done, 0 already gone',
        '  report: /x/runs/r1/report.json',
        '',
      ].join('\n'),
    );
  });
});
