import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { woffToSfnt } from './woff.ts';

/** Screenshots land here (a test artifact; the best ones are copied into docs/screenshots). */
export const screenshotDir = join('test-results', 'screenshots');

/**
 * A Chromium the machine already has: `CHROMIUM_PATH`, else Debian's. `CLOSELOOP_NPM_CHROMIUM=1`
 * skips both, to try the npm one on a machine that has its own.
 */
export function machineChromium(env = process.env, exists = existsSync): string | undefined {
  if (env.CLOSELOOP_NPM_CHROMIUM === '1') return undefined;
  if (env.CHROMIUM_PATH) return env.CHROMIUM_PATH;
  return exists('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined;
}

const machineArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/**
 * The machine's Chromium when there is one, else the one npm installed (`@sparticuz/chromium`),
 * so `npm install && npm test` needs no apt. That build carries no CJK font: Japanese pages get
 * Noto Sans JP from npm, made visible to its fontconfig (docs/local.md, "Browser tests").
 */
export async function launchChromium(): Promise<Browser> {
  const executablePath = machineChromium();
  if (executablePath) return chromium.launch({ executablePath, args: machineArgs });
  const { default: npmChromium } = await import('@sparticuz/chromium');
  const npmPath = await npmChromium.executablePath();
  // Not `npmChromium.args`: those suit Lambda (one process, web security off) and would change
  // what the tests check (Origin, CSP); the flags that suit the machine's Chromium suit it too.
  return chromium.launch({
    executablePath: npmPath,
    args: machineArgs,
    env: { ...process.env, FONTCONFIG_PATH: await japaneseFontConfig() },
  });
}

const fontPackage = resolve('node_modules', '@fontsource', 'noto-sans-jp', 'files');

/**
 * A fontconfig folder that sees the npm Chromium's own fonts and Noto Sans JP (regular and bold).
 * npm ships the font only as WOFF, which this fontconfig does not index, so the files are
 * unpacked to TrueType once per machine.
 */
async function japaneseFontConfig(): Promise<string> {
  const home = join(tmpdir(), 'closeloop-fontconfig');
  const conf = join(home, 'fonts.conf');
  if (existsSync(conf)) return home;
  const fonts = join(home, 'noto-sans-jp');
  await mkdir(fonts, { recursive: true });
  const files = (await readdir(fontPackage)).filter((file) => /-(400|700)-normal\.woff$/.test(file));
  for (const file of files) {
    const ttf = woffToSfnt(await readFile(join(fontPackage, file)));
    await writeFile(join(fonts, file.replace(/\.woff$/, '.ttf')), ttf);
  }
  const xml = [
    '<?xml version="1.0"?>',
    '<!DOCTYPE fontconfig SYSTEM "fonts.dtd">',
    '<fontconfig>',
    `  <dir>${join(tmpdir(), 'fonts')}</dir>`,
    `  <dir>${fonts}</dir>`,
    `  <cachedir>${join(home, 'cache')}</cachedir>`,
    '</fontconfig>',
  ].join('\n');
  // Written last and renamed into place: a half-built folder is never taken for a finished one.
  await writeFile(`${conf}.partial`, xml);
  await rename(`${conf}.partial`, conf);
  return home;
}

export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(screenshotDir, { recursive: true });
  const path = join(screenshotDir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
