import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { machineChromium } from '../support/browser.ts';
import { woffToSfnt } from '../support/woff.ts';

function tables(sfnt: Buffer): Map<string, { offset: number; length: number }> {
  const found = new Map<string, { offset: number; length: number }>();
  for (let i = 0; i < sfnt.readUInt16BE(4); i++) {
    const record = 12 + i * 16;
    const name = sfnt.subarray(record, record + 4).toString('latin1');
    found.set(name, { offset: sfnt.readUInt32BE(record + 8), length: sfnt.readUInt32BE(record + 12) });
  }
  return found;
}

describe('the browser tests’ Chromium', () => {
  it('takes CHROMIUM_PATH first, then Debian’s, else none (the npm one)', () => {
    expect(machineChromium({ CHROMIUM_PATH: '/opt/c' }, () => true)).toBe('/opt/c');
    expect(machineChromium({}, () => true)).toBe('/usr/bin/chromium');
    expect(machineChromium({}, () => false)).toBeUndefined();
    expect(
      machineChromium({ CLOSELOOP_NPM_CHROMIUM: '1', CHROMIUM_PATH: '/opt/c' }, () => true),
    ).toBeUndefined();
  });
});

describe('woffToSfnt', () => {
  const sample = join(
    'node_modules',
    '@fontsource',
    'noto-sans-jp',
    'files',
    'noto-sans-jp-0-400-normal.woff',
  );

  it('unpacks every table of an npm WOFF into a TrueType file fontconfig can read', async () => {
    const woff = await readFile(sample);
    const sfnt = woffToSfnt(woff);
    expect(sfnt.readUInt32BE(0)).toBe(woff.readUInt32BE(4));
    expect(sfnt.readUInt16BE(4)).toBe(woff.readUInt16BE(12));
    const head = tables(sfnt).get('head');
    // The head table's magic number sits 12 bytes in: only a correctly inflated table has it.
    expect(head && sfnt.readUInt32BE(head.offset + 12)).toBe(0x5f0f3cf5);
    expect(sfnt.length).toBe(woff.readUInt32BE(16));
    expect([...tables(sfnt).values()].every((t) => t.offset % 4 === 0)).toBe(true);
  });

  it('refuses a file that is not WOFF 1.0', () => {
    expect(() => woffToSfnt(Buffer.from(`wOF2${'\0'.repeat(40)}`, 'latin1'))).toThrow(/not a WOFF 1.0/);
  });
});
