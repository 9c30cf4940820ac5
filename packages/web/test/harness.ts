// The browser side of the end-to-end tests: the built app served by `vite preview` (with its
// cross-origin isolation headers) on a free port, a persistent Chromium profile driven by
// playwright-core, and the helpers the tests share (screenshots, shown numbers, downloads, axe).

import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { toyExperiment } from '@pacgen/metrics/experiments';
import { chromium, type BrowserContext, type Download, type Page } from 'playwright-core';
import { preview, type PreviewServer } from 'vite';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
/** Screenshots (git-ignored). */
export const artifacts = join(root, 'test-artifacts');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export interface App {
  server: PreviewServer;
  context: BrowserContext;
  page: Page;
  url: string;
  /** A scratch folder, removed by close(). */
  work: string;
  /** Uncaught errors of the page. */
  pageErrors: string[];
  close(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Serves the built app and opens a page on it (not yet navigated) at desktop size. */
export async function startApp(): Promise<App> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM}: install it (apt-get install -y chromium) or set CHROMIUM_PATH`,
    );
  }
  if (!existsSync(join(root, 'dist', 'index.html'))) {
    throw new Error('the app is not built: run npm run build -w @pacgen/web first');
  }
  mkdirSync(artifacts, { recursive: true });
  const work = mkdtempSync(join(tmpdir(), 'pacgen-web-'));
  const port = await freePort();
  const server = await preview({
    root,
    logLevel: 'warn',
    preview: { port, strictPort: true, host: '127.0.0.1' },
  });
  const context = await chromium.launchPersistentContext(join(work, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
      '--headless',
    ],
    viewport: { width: 1280, height: 900 },
    acceptDownloads: true,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.setDefaultTimeout(60_000);
  return {
    server,
    context,
    page,
    url: `http://127.0.0.1:${port}/`,
    work,
    pageErrors,
    close: async () => {
      await context.close();
      await server.close();
      rmSync(work, { recursive: true, force: true });
    },
  };
}

/** A full-page screenshot into test-artifacts/. */
export const shot = (page: Page, name: string) =>
  page.screenshot({ path: join(artifacts, name), fullPage: true });

/** The full-precision value behind a number shown on the page. */
export async function shownValue(page: Page, id: string): Promise<number> {
  return Number(await page.getAttribute(`[data-testid="${id}"]`, 'data-value'));
}

/** The next n downloads of the page. */
export function downloads(page: Page, n: number): Promise<Download[]> {
  const got: Download[] = [];
  return new Promise((resolve) => {
    const on = (d: Download) => {
      got.push(d);
      if (got.length === n) {
        page.off('download', on);
        resolve(got);
      }
    };
    page.on('download', on);
  });
}

/** A download's bytes. */
export async function bytesOf(d: Download): Promise<Uint8Array> {
  return new Uint8Array(readFileSync((await d.path())!));
}

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

/**
 * axe-core's WCAG 2.x A/AA rules on what the page shows now (hidden tab panels are skipped by axe
 * itself): the violations of serious or critical impact, each with the first nodes' selectors.
 */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: AXE });
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: typeof import('axe-core') }).axe;
    const r = await axe.run(document, {
      runOnly: {
        type: 'tag',
        values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'],
      },
    });
    return r.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => ({
        id: v.id,
        impact: v.impact ?? null,
        help: v.help,
        nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')),
      }));
  });
}

/** Whether the page scrolls sideways: its scroll width against the window's inner width. */
export function overflow(page: Page): Promise<{ scrollWidth: number; innerWidth: number }> {
  return page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
  }));
}

/** The library's toy landscape with the Toy page's default settings on a grid × grid lattice. */
export function toyReference(grid: number) {
  return toyExperiment({
    gamma: 0.1,
    epsilon: 0.1,
    delta: 0.05,
    seed: 0,
    grid,
    range: [-4, 4],
    train: 100,
    test: 1000,
    depth: 5,
    lattice: 5,
  });
}
