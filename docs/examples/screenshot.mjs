// Regenerates docs/viewer.png, the README screenshot: `tailcast demo` feeds a
// real `tailcast run` for a while, then headless Chromium (playwright-core from
// web/test) shows the viewer with one JSON row's fields expanded.
//
//   make build && (cd web/test && npm ci) && node docs/examples/screenshot.mjs
//
// Environment: TAILCAST_BIN (default bin/tailcast), CHROMIUM (default
// /usr/bin/chromium), OUT (default docs/viewer.png), SECONDS (default 90:
// the histogram draws one 5 px bar per second, so a short run leaves it
// mostly empty; SECONDS=15 is enough to check that the script works).

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { chromium } = createRequire(path.join(root, 'web/test/package.json'))('playwright-core');
const bin = process.env.TAILCAST_BIN || path.join(root, 'bin/tailcast');
const out = process.env.OUT || path.join(root, 'docs/viewer.png');
const seconds = Number(process.env.SECONDS || 90);

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tailcast-screenshot-'));
const logDir = path.join(tmp, 'logs');
fs.mkdirSync(logDir);
const procs = [];
function start(args) {
  const p = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  p.output = '';
  p.stdout.on('data', (b) => { p.output += b; });
  p.stderr.on('data', (b) => { p.output += b; });
  p.exited = new Promise((r) => p.once('exit', r));
  procs.push(p);
  return p;
}
async function poll(fn, what, timeout = 30000) {
  for (const deadline = Date.now() + timeout; ;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

let browser;
try {
  const run = start(['run', '--listen', '127.0.0.1:0', '--kafka-listen', '127.0.0.1:0',
    '--data-dir', path.join(tmp, 'data'), '--from-start', path.join(logDir, '*.log')]);
  const url = (await poll(() => run.output.match(/viewer at (http:\/\/\S+)/), `the viewer URL; output:\n${run.output}`))[1];

  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const context = await browser.newContext({ viewport: { width: 1400, height: 800 }, colorScheme: 'dark', deviceScaleFactor: 1 });
  // The viewer exposes its state (window.tailcast) only when asked first.
  await context.addInitScript(() => { window.tailcastTestHooks = true; });
  const page = await context.newPage();
  await page.goto(url);
  await page.waitForFunction(() => window.tailcast && tailcast.state === 'live', null, { timeout: 30000 });
  // The generator starts once the page is live, so the histogram shows an
  // even rate rather than the backfill arriving at once.
  const began = Date.now();
  start(['demo', '--dir', logDir, '--rate', '30']);
  await page.waitForFunction(() => tailcast.rendered > 20, null, { timeout: 30000 });
  // Let the histogram fill, then pause (space) so that the rows hold still.
  await poll(() => Date.now() - began > seconds * 1000, 'time', (seconds + 5) * 1000);
  await page.keyboard.press('Space');
  await page.waitForFunction(() => !tailcast.following);

  // Open the row with structured fields nearest the middle of the stream, so
  // that its fields show in full.
  const target = await page.evaluate(() => {
    const v = document.getElementById('scroller').getBoundingClientRect();
    const mid = v.top + v.height * 0.45;
    const rows = [...document.querySelectorAll('.row:not([hidden])')]
      .filter((r) => /\{\d+\}/.test(r.querySelector('.badges')?.textContent || ''))
      .map((r) => ({ r, y: r.getBoundingClientRect().top }))
      .filter((x) => x.y > v.top && x.y < v.bottom - 200)
      .sort((a, b) => Math.abs(a.y - mid) - Math.abs(b.y - mid));
    if (!rows.length) return null;
    rows[0].r.dataset.shot = '1';
    return true;
  });
  if (!target) throw new Error('no row with fields is visible');
  await page.locator('.row[data-shot="1"] .msg').click();
  await page.waitForSelector('.row.open dl.fields');
  await page.mouse.move(0, 0); // no hover state in the picture
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  await page.screenshot({ path: out });
  console.log(`wrote ${out}`);
} finally {
  await browser?.close();
  for (const p of procs) if (p.exitCode === null && p.signalCode === null) { p.kill('SIGTERM'); await p.exited; }
  fs.rmSync(tmp, { recursive: true, force: true });
}
