// Sizes read the same in every command (one formatter, binary units), tables
// count the rows they show, and a layer size that is no byte count is a warning
// naming the image, never "888178419700125.3 PiB".
import { afterAll, describe, expect, it } from 'vitest';
import { formatReport } from '../../cli/local-run/progress.js';
import type { Report } from '../../shared/workflow/contracts.js';
import { digest, image, layer, list, NOW, stream } from '../builders.js';
import { runCli, tempDir } from './run-cli.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());
const nowFlag = ['--now', NOW.toISOString()];

/** `ns/app` keeps 3 revisions and loses `lost` more, one layer of `size` bytes each. */
function losing(lost: number, size: number, repo = 'app') {
  const seeds = Array.from({ length: 3 + lost }, (_, i) => `${repo}-${i}`);
  return [...seeds.map((s) => image(s, { layers: [layer(`${s}-l`, size)] })), stream('ns', repo, { latest: seeds })];
}

describe('sizes and counts', () => {
  it('run reports the bytes reclaimed in binary units, as plan does', () => {
    const report = {
      runId: 'r',
      executionId: 'e',
      status: 'succeeded',
      mode: 'dry-run',
      options: { confirm: false, keepTagRevisions: 3, keepYoungerThan: '60m', all: false, ignoreInvalidRefs: false, pruneOverSizeLimit: false, pruneRegistry: true, numWorkers: 10, now: NOW.toISOString() },
      collected: {},
      plan: { images: 1, streamUpdates: 1, removedRevisions: 1, manifestLinks: 1, layerLinks: 1, blobs: 1, bytesReclaimed: 2_809_120_971_802, warnings: 0 },
      reportKey: 'runs/r/report.json',
    } as Report;
    const text = formatReport(report, 'report.json');
    expect(text).toContain('1 blobs (2.6 TiB)');
    expect(text).not.toContain('2809120971802');
  });

  it('the repositories heading counts every row it lists', async () => {
    // Two repositories lose layers, and one old image is in no stream: three rows.
    const orphan = image('orphan', { layers: [layer('orphan-l', 5000)] });
    const items = [...losing(1, 1 << 20, 'app'), ...losing(2, 1 << 20, 'web'), orphan];
    const r = await runCli(['plan', '--snapshot', tmp.file('three-rows.json', JSON.stringify(list(...items))), ...nowFlag]);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    const heading = lines.findIndex((l) => l.startsWith('Top repositories'));
    expect(lines[heading]).toContain('(2 of 2 repositories, and images in no image stream;');
    const rows = lines.slice(heading + 2, lines.indexOf('', heading));
    expect(rows.map((l) => l.trim().split(/\s{2,}/)[0])).toEqual(['ns/web', 'ns/app', '(images in no image stream)']);
  });

  it('a layer size of 1e30 counts 0, with a warning naming the image', async () => {
    const items = losing(1, 1000);
    (items[3] as ReturnType<typeof image>).dockerImageLayers![0].size = 1e30;
    const r = await runCli(['plan', '--snapshot', tmp.file('huge.json', JSON.stringify(list(...items))), ...nowFlag]);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('PiB');
    expect(r.stdout).toMatch(/Space reclaimed\s+0 B\n/);
    expect(r.stdout).toContain(`Warnings (1):\n  - Image ${digest('app-3')}: dockerImageLayers[0].size 1e+30 is not a byte count`);
  });
});
