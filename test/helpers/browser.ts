/**
 * A real-browser test kit: Debian's `chromium` (installed by .ci/install-chromium.sh, run from .ci/run), driven
 * headless by playwright-core through `executablePath`. Pages are local files; every request other than the file
 * itself (data: URIs excepted) is recorded as a problem and aborted, so nothing leaves the machine.
 */
import { execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type BrowserServer, chromium, type Page } from 'playwright-core';

/** The Debian package that provides the browser. */
export const CHROMIUM_PACKAGE = 'chromium';

/** The chromium executable: `chromium` on PATH, else /usr/bin/chromium; null when neither is there. */
export const chromiumPath: string | null = findChromium();

/** Why the browser tests are skipped, for their titles; null when chromium is installed. */
export const chromiumUnavailable: string | null =
  chromiumPath === null
    ? `Debian package "${CHROMIUM_PACKAGE}" is not installed (apt-get install ${CHROMIUM_PACKAGE}, or bash .ci/install-chromium.sh as .ci/run does)`
    : null;

/** Where screenshots go; git-ignored, kept by CI as artifacts. */
export const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url));

function findChromium(): string | null {
  try {
    const found = execFileSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).trim();
    if (found) return found;
  } catch {
    // Not on PATH: try the Debian location below.
  }
  try {
    accessSync('/usr/bin/chromium', constants.X_OK);
    return '/usr/bin/chromium';
  } catch {
    return null;
  }
}

export interface ConsoleEntry {
  type: 'error' | 'warning';
  text: string;
  /** `url:line:column` where the page logged it, when known. */
  at: string;
}

export interface PageVisit {
  url: string;
  console: ConsoleEntry[];
  /** Uncaught exceptions of the page. */
  pageErrors: string[];
  /** Every request other than the file itself and data: URIs, in order; each was aborted. */
  requests: string[];
  /** Absolute path of the full-page screenshot. */
  screenshot: string;
  /** The browser's process id, gone by the time the visit is returned. */
  pid: number;
  /** Everything above that is a failure, one line each; empty for a clean page. */
  problems: string[];
}

/**
 * Opens `file` in headless chromium, waits for its load event, takes a full-page screenshot to
 * test/artifacts/<name>.png and reports what the page did. The browser is killed by its process whatever happens.
 */
export async function visitPage(file: string, name: string): Promise<PageVisit> {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(name)) throw new Error(`screenshot name ${JSON.stringify(name)}: use lowercase letters, digits and dashes`);
  const url = pathToFileURL(resolve(file)).href;
  const screenshot = join(ARTIFACTS, `${name}.png`);
  await mkdir(ARTIFACTS, { recursive: true });
  return withChromium(async (page, pid) => {
    const consoleEntries: ConsoleEntry[] = [];
    const pageErrors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      const type = m.type();
      if (type !== 'error' && type !== 'warning') return;
      const l = m.location();
      consoleEntries.push({ type, text: m.text(), at: l.url ? `${l.url}:${l.lineNumber}:${l.columnNumber}` : '' });
    });
    page.on('pageerror', (e) => pageErrors.push(`${e.name}: ${e.message}`));
    await page.route('**/*', async (route) => {
      const requested = route.request().url();
      if (requested === url) return route.continue();
      // data: URIs never reach the route; anything else would leave the file.
      requests.push(requested);
      return route.abort('blockedbyclient');
    });
    await page.goto(url, { waitUntil: 'load' });
    await page.screenshot({ path: screenshot, fullPage: true });
    const problems = [
      ...requests.map((r) => `request leaving the file: ${r}`),
      ...consoleEntries.map((c) => `console ${c.type}: ${c.text}${c.at ? ` (${c.at})` : ''}`),
      ...pageErrors.map((e) => `page error: ${e}`),
    ];
    return { url, console: consoleEntries, pageErrors, requests, screenshot, pid, problems };
  });
}

export interface ParsedXml {
  /** The parser's message when the document is not well-formed, else null. */
  error: string | null;
  /** Name of the document element. */
  root: string;
  /** How many elements match the selector given to parseXml (0 without one). */
  matches: number;
}

/**
 * Parses each string with chromium's DOMParser as an SVG document, and counts the elements matching `selector`.
 * Runs on about:blank, so nothing is loaded.
 */
export async function parseXml(documents: readonly string[], selector = ''): Promise<ParsedXml[]> {
  return withChromium((page) =>
    page.evaluate(
      ([docs, sel]) =>
        docs.map((d) => {
          const parsed = new DOMParser().parseFromString(d, 'image/svg+xml');
          const error = parsed.getElementsByTagName('parsererror')[0];
          return {
            error: error ? (error.textContent ?? 'parsererror') : null,
            root: parsed.documentElement.nodeName,
            matches: sel ? parsed.querySelectorAll(sel).length : 0,
          };
        }),
      [documents, selector] as const,
    ),
  );
}

async function withChromium<T>(use: (page: Page, pid: number) => Promise<T>): Promise<T> {
  if (chromiumPath === null) throw new Error(chromiumUnavailable!);
  let server: BrowserServer | undefined;
  try {
    server = await chromium.launchServer({ executablePath: chromiumPath, headless: true });
    const pid = server.process().pid;
    if (pid === undefined) throw new Error(`chromium (${chromiumPath}) did not start a process`);
    const browser = await chromium.connect(server.wsEndpoint());
    const page = await (await browser.newContext()).newPage();
    return await use(page, pid);
  } finally {
    // Killing the process rather than asking the browser to close: a hung page cannot keep it alive, and
    // playwright removes the browser's temporary profile once the process is gone.
    await server?.kill();
  }
}
