// Bundles the CLI so that `npx image-pruner` starts fast from a checkout with no
// TypeScript loader. Runs as `prepare` (after `npm ci`) and before the tests.
import { build } from 'esbuild';

await build({
  // Each command is a lazy import; splitting keeps each in its own chunk, so
  // `--help` or `plan` does not load the Kubernetes client or the AWS SDK.
  entryPoints: { cli: 'cli/main.ts' },
  outdir: 'dist',
  splitting: true,
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'esm',
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
});
