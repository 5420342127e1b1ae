// What a user would otherwise write: one Chromium, `concurrency` reused tabs, page.goto + page.pdf.
// Usage: node render.mjs <concurrency> <jobs> <url>...   Prints one JSON line of figures.
import { chromium } from 'playwright-core';

const [concurrencyArg, jobsArg, ...urls] = process.argv.slice(2);
const concurrency = Number(concurrencyArg);
const jobs = Number(jobsArg);
if (!concurrency || !jobs || urls.length === 0) {
  console.error('usage: node render.mjs <concurrency> <jobs> <url>...');
  process.exit(2);
}

const browser = await chromium.launch({
  executablePath: process.env.FOLIO_CHROME_PATH || '/usr/bin/chromium',
  args: [
    '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--disable-dev-shm-usage',
  ],
});
const context = await browser.newContext();
const tabs = await Promise.all(Array.from({ length: concurrency }, () => context.newPage()));

async function render(page, url) {
  await page.goto(url, { waitUntil: 'load' });
  // The same paper and margins as Folio's defaults, so both sides print the same pages.
  return page.pdf({ format: 'A4', margin: { top: '0.4in', right: '0.4in', bottom: '0.4in', left: '0.4in' } });
}

// Warm-up: every tab renders every page once, as the Folio side does.
await Promise.all(tabs.map(async (tab) => { for (const url of urls) await render(tab, url); }));

const latencies = [];
let next = 0;
const started = performance.now();
await Promise.all(tabs.map(async (tab) => {
  for (;;) {
    const job = next++;
    if (job >= jobs) return;
    const t0 = performance.now();
    const pdf = await render(tab, urls[job % urls.length]);
    if (pdf.length < 100) throw new Error('empty PDF');
    latencies.push(performance.now() - t0);
  }
}));
const seconds = (performance.now() - started) / 1000;
latencies.sort((a, b) => a - b);
const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))];
console.log(JSON.stringify({ jobs, seconds, per_second: jobs / seconds, p50_ms: pct(50), p95_ms: pct(95), latencies_ms: latencies }));
await browser.close();
