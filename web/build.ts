import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';

/** One static file of the web front ends, as served at `path` (locally and from CloudFront). */
export interface WebAsset {
  path: string;
  contentType: string;
  body: string;
}

const webDir = fileURLToPath(new URL('.', import.meta.url));

const scripts = [
  // The widget runs on client sites next to their own code: one self-contained IIFE, old-browser safe.
  { entry: 'widget/widget.ts', path: '/widget.js', format: 'iife', target: 'es2019' },
  { entry: 'console/app.ts', path: '/console/app.js', format: 'esm', target: 'es2022' },
] as const;

const copied = [
  { file: 'console/index.html', path: '/console/index.html', contentType: 'text/html; charset=utf-8' },
  { file: 'console/style.css', path: '/console/style.css', contentType: 'text/css; charset=utf-8' },
] as const;

/**
 * Builds the widget and the staff console (minified) into memory. Synchronous, so the CDK app can
 * build them inside a construct; the local stack builds them at start.
 */
export function buildWebAssets(): WebAsset[] {
  const built = scripts.map((s) => {
    const result = buildSync({
      entryPoints: [join(webDir, s.entry)],
      bundle: true,
      minify: true,
      format: s.format,
      target: s.target,
      platform: 'browser',
      write: false,
      legalComments: 'none',
    });
    return { path: s.path, contentType: 'text/javascript; charset=utf-8', body: result.outputFiles[0]!.text };
  });
  const files = copied.map((c) => ({
    path: c.path,
    contentType: c.contentType,
    body: readFileSync(join(webDir, c.file), 'utf8'),
  }));
  return [...built, ...files];
}

/** Writes the built assets under `dir` at their paths (`/console/app.js` → `<dir>/console/app.js`). */
export function writeWebAssets(dir: string, assets: WebAsset[] = buildWebAssets()): WebAsset[] {
  for (const asset of assets) {
    const file = join(dir, asset.path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, asset.body);
  }
  return assets;
}
