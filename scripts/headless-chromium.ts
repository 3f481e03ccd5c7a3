// Debian's chromium, driven headless by playwright-core (which downloads no
// browser): the HTML report's tests and `npm run screenshot` render the page in
// it. One launch recipe, so that the screenshot shows what the tests check.
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Where Debian's `chromium` package puts the browser (CI installs it: .ci/run). */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * Headless, no sandbox (CI runs as root in a container), and nothing that
 * talks to the network on its own: no QUIC, first-run pages, background
 * networking, component updates or sync. The tests assert the page itself
 * requests nothing.
 */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The browser is missing: the report cannot be checked (a failure, never a skip). */
export class ChromiumMissingError extends Error {
  constructor(path: string, options?: { cause?: unknown }) {
    super(`Debian's chromium is not installed at ${path}: install it (apt-get install chromium; .ci/run does) to render the HTML report`, options);
    this.name = 'ChromiumMissingError';
  }
}

/**
 * Launches chromium. Each launch gets a fresh, temporary user-data-dir
 * (playwright makes one and removes it on close), so no profile state leaks
 * between runs. Throws {@link ChromiumMissingError} when the binary is absent.
 */
export async function launchChromium(path: string = CHROMIUM_PATH): Promise<Browser> {
  if (!existsSync(path)) throw new ChromiumMissingError(path);
  return chromium.launch({ executablePath: path, headless: true, args: CHROMIUM_ARGS });
}
