// Bundles the CLI so that `npx image-pruner` starts fast from a checkout with no
// TypeScript loader. Runs as `prepare` (after `npm ci`) and before the tests.
import { build } from 'esbuild';

await build({
  entryPoints: ['cli/main.ts'],
  outfile: 'dist/cli.js',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
});
