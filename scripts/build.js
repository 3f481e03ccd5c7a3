// Bundles the CLI so that `npx image-pruner` starts fast from a checkout with no
// TypeScript loader. Runs as `prepare` (after `npm ci`) and before the tests.
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

const OUT = 'dist';

const result = await build({
  // Each command is a lazy import; splitting keeps each in its own chunk, so
  // `--help` or `plan` does not load the Kubernetes client or the AWS SDK.
  entryPoints: { cli: 'cli/main.ts' },
  outdir: OUT,
  splitting: true,
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'esm',
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
  metafile: true,
});

// Chunks are named by their content's hash, so every change leaves the old ones
// behind: remove the files of earlier builds. Only files directly in dist/
// (dist/bench is bench/aws-scale's own bundle).
const current = new Set(Object.keys(result.metafile.outputs).map((p) => join(p)));
for (const entry of readdirSync(OUT, { withFileTypes: true })) {
  const path = join(OUT, entry.name);
  if (entry.isFile() && /\.js(\.map)?$/.test(entry.name) && !current.has(path)) rmSync(path, { force: true });
}
