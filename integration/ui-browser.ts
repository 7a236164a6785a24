// Headless Chromium for the web UI tests: Debian's /usr/bin/chromium driven by playwright-core (which never
// downloads a browser of its own), with the flags this machine's closed network needs, and screenshots saved
// under screenshots/ (gitignored) for a person to look at.

import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { repositoryRoot } from './helpers/lattice-process.js';

export const chromiumPath = process.env['LATTICE_CHROMIUM'] ?? '/usr/bin/chromium';
export const screenshotDir = join(repositoryRoot, 'screenshots');

/** Without the background-networking flags Chromium keeps dialling Google's hosts, which this network refuses. */
const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(chromiumPath))
    throw new Error(`no Chromium at ${chromiumPath}: install Debian's chromium (.ci/run does) or set LATTICE_CHROMIUM`);
  // playwright gives each launch a fresh, empty profile directory and removes it on close.
  return chromium.launch({ executablePath: chromiumPath, headless: true, args: chromiumArgs });
}

/** The visible window, as a person sees it (a full-page shot would paint the sticky status bar mid-page). */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(screenshotDir, { recursive: true });
  const path = join(screenshotDir, `${name}.png`);
  await page.screenshot({ path });
  return path;
}
