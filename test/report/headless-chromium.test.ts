// The HTML report's tests need Debian's chromium; without it they must fail
// with a line that says what to install, never skip.
import { describe, expect, it } from 'vitest';
import { ChromiumMissingError, launchChromium } from '../../scripts/headless-chromium.js';

describe('launchChromium', () => {
  it('fails with a clear message when the browser is not installed', async () => {
    const err = await launchChromium('/nonexistent/chromium').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChromiumMissingError);
    expect(err).toMatchObject({
      name: 'ChromiumMissingError',
      message: "Debian's chromium is not installed at /nonexistent/chromium: install it (apt-get install chromium; .ci/run does) to render the HTML report",
    });
  });
});
