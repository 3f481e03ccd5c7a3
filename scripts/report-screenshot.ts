// `npm run screenshot`: renders the HTML report of the shipped example's plan
// (the one docs/plan.md shows as a table) in headless chromium and saves
// docs/report.png, the screenshot the README and docs/plan.md show.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { main } from '../cli/main.js';
import { processIO } from '../cli/io.js';
import { launchChromium } from './headless-chromium.js';

const EXAMPLE = 'examples/cluster.json';
/** The instant docs/plan.md plans the example at. */
const EXAMPLE_NOW = '2026-11-01T00:00:00Z';
const OUT = resolve(process.argv[2] ?? 'docs/report.png');

const dir = mkdtempSync(join(tmpdir(), 'pruner-screenshot-'));
try {
  const page = join(dir, 'report.html');
  const code = await main(['plan', '--snapshot', EXAMPLE, '--now', EXAMPLE_NOW, '--output', 'html', '--out', page], processIO());
  if (code !== 0) throw new Error(`image-pruner plan exited with ${code}`);
  const browser = await launchChromium();
  try {
    const tab = await browser.newPage({ viewport: { width: 1180, height: 900 }, deviceScaleFactor: 1 });
    await tab.goto(pathToFileURL(page).href);
    await tab.screenshot({ path: OUT, fullPage: true });
  } finally {
    await browser.close();
  }
  process.stdout.write(`wrote ${OUT}\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
