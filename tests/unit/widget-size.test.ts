import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { buildWebAssets } from '../../web/build.ts';

/** The budget for the one script tag a client site adds. */
const budgetBytes = 10 * 1024;

describe('/widget.js', () => {
  it('is at most 10 KB gzipped, as built and served', () => {
    const widget = buildWebAssets().find((a) => a.path === '/widget.js');

    const gzipped = gzipSync(widget!.body, { level: 9 }).length;

    expect(widget!.body.length).toBeGreaterThan(1000); // the real widget, not an empty placeholder
    expect(gzipped).toBeLessThanOrEqual(budgetBytes);
  });

  it('is a self-contained classic script: no module syntax, no imports left', () => {
    const widget = buildWebAssets().find((a) => a.path === '/widget.js')!;

    expect(widget.body).not.toMatch(/^\s*(import|export)\s/m);
    expect(widget.body).toContain('Closeloop');
  });
});
