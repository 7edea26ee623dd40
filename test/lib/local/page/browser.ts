import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { chromium } from 'playwright-core';
import { skipMark } from '../../../support/target-settings.js';

/**
 * Headless Chromium for the page's tests: Debian's `chromium` (`.ci/run` installs it), driven by
 * playwright-core, which brings no browser of its own. Override the path with CHROMIUM.
 */
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const present = existsSync(CHROMIUM);

if (!present && !process.env.CI) {
  console.warn(
    `\n!!! Chromium not found at ${CHROMIUM}: the page's browser tests are SKIPPED.\n` +
      '!!! Install it (apt-get install -y chromium) or set CHROMIUM to a Chromium binary to run them.\n',
  );
}

/** `describe` when Chromium is here (or under CI, where a missing one must fail rather than vanish). */
export const describeIfBrowser = (name: string, fn: () => void): void =>
  present || process.env.CI ? describe(name, fn) : describe.skip(`${name}${skipMark(`no Chromium at ${CHROMIUM}`)}`, fn);

/** Chromium, headless; as root, without its sandbox, which needs user namespaces root does not get. */
export const launchBrowser = (): Promise<Browser> =>
  chromium.launch({ executablePath: CHROMIUM, headless: true, args: process.getuid?.() === 0 ? ['--no-sandbox'] : [] });
