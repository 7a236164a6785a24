// Headless Chromium for the web UI tests: Debian's /usr/bin/chromium driven by playwright-core (which never
// downloads a browser of its own), with the flags this machine's closed network needs, and screenshots saved
// under screenshots/ (gitignored) for a person to look at.

import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
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

export interface UiBrowser {
  newPage(): Promise<Page>;
  /** Closes the context and the browser; never throws, so an after-hook can always call it. */
  close(): Promise<void>;
}

/** Chromium with one desktop-sized context, as every UI test drives the UI. */
export async function openUiBrowser(): Promise<UiBrowser> {
  if (!existsSync(chromiumPath))
    throw new Error(`no Chromium at ${chromiumPath}: install Debian's chromium (.ci/run does) or set LATTICE_CHROMIUM`);
  // playwright gives each launch a fresh, empty profile directory and removes it on close.
  const browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: chromiumArgs });
  const context = await browser.newContext({ viewport: { width: 1280, height: 960 } });
  return {
    newPage: () => context.newPage(),
    close: async () => {
      await context.close().catch(() => undefined);
      await browser.close().catch(() => undefined);
    },
  };
}

/** The visible window, as a person sees it (a full-page shot would paint the sticky status bar mid-page). */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(screenshotDir, { recursive: true });
  const path = join(screenshotDir, `${name}.png`);
  await page.screenshot({ path });
  return path;
}
