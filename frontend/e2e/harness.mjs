// What every browser test needs: the built SPA served by a real `folio serve` (embedded mode)
// on a free port, a site on 127.0.0.1 with pages to convert, and Chromium.
//
// Needs: `npm run build` (dist/), the `folio` binary (FOLIO_BIN, or built here with cargo), and
// Chromium at /usr/bin/chromium (FOLIO_CHROME_PATH).
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const frontend = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const root = resolve(frontend, '..');
export const shots = join(frontend, 'test-output', 'screenshots');
const chromePath = process.env.FOLIO_CHROME_PATH || '/usr/bin/chromium';
export const PAGE_TITLE = 'Library E2E Page';
export const PAGE_TEXT = 'Rendered for the browser test';

function folioBinary() {
  if (process.env.FOLIO_BIN) return process.env.FOLIO_BIN;
  const out = execFileSync('cargo', ['build', '-q', '-p', 'folio-backend', '--bin', 'folio', '--message-format=json'], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  for (const line of out.split('\n')) {
    try {
      const message = JSON.parse(line);
      if (message.executable && message.target?.name === 'folio') return message.executable;
    } catch {
      /* not JSON */
    }
  }
  throw new Error('cargo did not report the folio binary');
}

function listen(server) {
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok(server.address().port)));
}

/** The test site: `/article`, `/many/<n>` (titled "Many <n>"), `/titled/<words>` (with
 *  `?inside=<word>`, a word in its text only), `/slow`
 *  (answers after 20 s, to be seen rendering) and `/gone` (a 404, to fail). */
function testSite(request, response) {
  const address = new URL(request.url ?? '/', 'http://x');
  const path = decodeURIComponent(address.pathname);
  // `?inside=<word>`: a word only in the page's text, for search.
  const inside = (address.searchParams.get('inside') ?? '').replace(/[^a-z]/g, '');
  if (path === '/gone') {
    response.writeHead(404, { 'content-type': 'text/plain' });
    response.end('gone');
    return;
  }
  const many = /^\/many\/(\d+)$/.exec(path);
  const titled = /^\/titled\/(.+)$/.exec(path);
  const title = many ? `Many ${many[1]}` : titled ? titled[1] : PAGE_TITLE;
  const send = () => {
    response.writeHead(200, { 'content-type': 'text/html' });
    const extra = inside ? `<p>The ${inside} naps under the printer.</p>` : '';
    response.end(`<!doctype html><title>${title}</title><h1>${PAGE_TEXT}</h1><p>Served on 127.0.0.1 by the test.</p>${extra}`);
  };
  if (path === '/slow') setTimeout(send, 20000);
  else send();
}

/** Starts everything; `stop()` ends it. */
export async function start() {
  assert.ok(existsSync(join(frontend, 'dist', 'index.html')), 'run `npm run build` first');
  mkdirSync(shots, { recursive: true });
  const logs = [];
  const site = createServer(testSite);
  const sitePort = await listen(site);
  const probe = createServer();
  const port = await listen(probe);
  await new Promise((r) => probe.close(r));
  const base = `http://127.0.0.1:${port}`;
  const folio = spawn(folioBinary(), ['serve'], {
    env: {
      PATH: process.env.PATH,
      FOLIO_ADDR: `127.0.0.1:${port}`,
      FOLIO_DATA_DIR: mkdtempSync(join(tmpdir(), 'folio-e2e-')),
      FOLIO_STATIC_DIR: join(frontend, 'dist'),
      FOLIO_RENDER_ALLOW_ADDRS: `127.0.0.1:${sitePort}`,
      FOLIO_CHROME_PATH: chromePath,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  folio.stdout.on('data', (d) => logs.push(String(d)));
  folio.stderr.on('data', (d) => logs.push(String(d)));
  const deadline = Date.now() + 60000;
  for (;;) {
    try {
      if ((await fetch(`${base}/readyz`)).ok) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error(`folio did not start:\n${logs.join('')}`);
    await new Promise((r) => setTimeout(r, 150));
  }
  const browser = await chromium.launch({
    executablePath: chromePath,
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
  return {
    base,
    browser,
    siteBase: `http://127.0.0.1:${sitePort}`,
    siteUrl: `http://127.0.0.1:${sitePort}/article`,
    async stop() {
      await browser.close();
      folio.kill('SIGTERM');
      site.close();
    },
  };
}

/** A fresh browser profile that collects CSP violations and page errors in `problems`. */
export async function newPage(browser, options = {}) {
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1200, height: 800 }, ...options });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused to/.test(m.text())) problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(String(e)));
  return { context, page, problems };
}

export async function signUpAndIn(page, base, email, password) {
  await page.goto(base);
  await page.getByRole('button', { name: 'Sign up' }).click();
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign up' }).click();
  // Signed in at once.
  await page.getByRole('button', { name: 'Convert a page' }).waitFor();
}

/** Converts `url` through the Convert dialog. */
export async function convert(page, url) {
  await page.getByRole('button', { name: 'Convert a page' }).click();
  const dialog = page.getByRole('dialog', { name: 'Convert a page' });
  await dialog.getByLabel('Page URL').fill(url);
  await dialog.getByRole('button', { name: 'Convert' }).click();
  await dialog.waitFor({ state: 'detached' });
}

/** The signed-in session's bearer token, as the SPA keeps it. */
export function sessionToken(page) {
  return page.evaluate(() => JSON.parse(localStorage.getItem('folio.session')).token);
}
