import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's chromium (`.ci/run` installs it); playwright-core never downloads a browser. */
export const CHROMIUM = '/usr/bin/chromium';

/** Screenshots and other things a person may want to look at after a run (gitignored). */
export const ARTIFACTS_DIR = fileURLToPath(new URL('../browser/artifacts/', import.meta.url));

/** Headless, no sandbox (CI runs as root), and nothing that reaches out to the network. */
export async function launchBrowser(): Promise<Browser> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export interface WatchedPage {
  readonly page: Page;
  /** Console errors and warnings, uncaught page errors and CSP violations, as text. */
  readonly problems: string[];
}

/**
 * A fresh page that records everything a person would see in the developer tools as a problem:
 * console errors and warnings, uncaught exceptions, and Content-Security-Policy violations
 * (listened for in the page itself, which the page's own policy cannot block: init scripts are
 * injected by the browser, not loaded by the page).
 */
export async function watchedPage(
  browser: Browser,
  viewport = { width: 1280, height: 900 },
): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport, colorScheme: 'light' });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') {
      problems.push(`console ${message.type()}: ${message.text()}`);
    }
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  await page.exposeFunction('__reportViolation', (text: string) => {
    problems.push(`CSP violation: ${text}`);
  });
  // A string, not a function: the tests compile without the DOM library.
  await page.addInitScript(
    "document.addEventListener('securitypolicyviolation', (e) => " +
      "window.__reportViolation(e.violatedDirective + ' blocked ' + e.blockedURI));",
  );
  return { page, problems };
}
