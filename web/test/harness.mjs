// Shared pieces of the browser tests: a real `tailcast run` process, log
// files to append to, and a headless Chromium driven by playwright-core.
// Nothing here sleeps for synchronisation: every wait polls a condition with
// a deadline.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const SCREENSHOTS = path.join(here, 'screenshots');

export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

export function tailcastBin() {
  const bin = process.env.TAILCAST_BIN;
  if (!bin) throw new Error('TAILCAST_BIN is not set: run `make test-browser`, or set it to a built bin/tailcast');
  if (!fs.existsSync(bin)) throw new Error(`TAILCAST_BIN=${bin} does not exist: run \`make build\``);
  return bin;
}

export function tempDir(prefix) {
  return fs.mkdtempSync(path.join(os.tmpdir(), `tailcast-web-${prefix}-`));
}

// Server is one `tailcast run` process over the *.log files of logDir.
// extraArgs are more flags for `tailcast run` (e.g. a small --queue-bytes).
export class Server {
  constructor({ logDir, dataDir, listen = '127.0.0.1:0', extraArgs = [] }) {
    this.logDir = logDir;
    this.dataDir = dataDir;
    this.listen = listen;
    this.extraArgs = extraArgs;
    this.proc = null;
    this.url = '';
    this.kafka = ''; // the embedded broker's host:port
    this.output = '';
  }

  async start(timeoutMs = 30000) {
    const args = ['run', '--listen', this.listen, '--kafka-listen', '127.0.0.1:0', '--data-dir', this.dataDir,
      ...this.extraArgs, '--from-start', path.join(this.logDir, '*.log')];
    const proc = spawn(tailcastBin(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc = proc;
    this.exited = new Promise((resolve) => proc.once('exit', (code, sig) => resolve({ code, sig })));
    let out = '';
    const onData = (b) => { out += b; this.output = (this.output + b).slice(-20000); };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', (b) => { this.output = (this.output + b).slice(-20000); });
    const url = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`tailcast run printed no http:// URL within ${timeoutMs} ms; output:\n${this.output}`)), timeoutMs);
      const check = () => {
        const m = out.match(/http:\/\/[^\s"'<>]+/);
        if (m) { clearTimeout(timer); proc.stdout.off('data', check); resolve(m[0]); }
      };
      proc.stdout.on('data', check);
      proc.once('exit', (code, sig) => { clearTimeout(timer); reject(new Error(`tailcast run exited (${code ?? sig}) before printing its URL; output:\n${this.output}`)); });
      check();
    });
    this.url = url.endsWith('/') ? url : url + '/';
    this.kafka = out.match(/kafka broker at (\S+)/)?.[1] || '';
    this.listen = new URL(this.url).host; // a restart reuses the same port
    return this;
  }

  // metric returns the sum of a Prometheus counter or gauge from /metrics.
  async metric(name) {
    const text = await (await fetch(new URL('/metrics', this.url))).text();
    let sum = 0;
    for (const l of text.split('\n')) {
      if (l.startsWith(name + ' ') || l.startsWith(name + '{')) sum += Number(l.slice(l.lastIndexOf(' ') + 1));
    }
    return sum;
  }

  // stop sends SIGTERM (a clean shutdown: clients get close 1001) and waits;
  // SIGKILL after the deadline.
  async stop(timeoutMs = 15000) {
    if (!this.proc || this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    this.proc.kill('SIGTERM');
    const t = setTimeout(() => this.proc.kill('SIGKILL'), timeoutMs);
    await this.exited;
    clearTimeout(t);
  }
}

export function appendLines(file, lines) {
  fs.appendFileSync(file, lines.map((l) => l + '\n').join(''));
}

// A log line in the `2026-01-02 15:04:05,000 LEVEL …` shape the parser knows.
export function line(level, msg, when = new Date()) {
  const p = (n, w = 2) => String(n).padStart(w, '0');
  const ts = `${when.getUTCFullYear()}-${p(when.getUTCMonth() + 1)}-${p(when.getUTCDate())} ` +
    `${p(when.getUTCHours())}:${p(when.getUTCMinutes())}:${p(when.getUTCSeconds())},${p(when.getUTCMilliseconds(), 3)}`;
  return `${ts} ${level.toUpperCase()} ${msg}`;
}

export async function launch() {
  return chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

// newPage opens a page that records console errors, page errors and CSP
// violations, so a test can assert the viewer ran cleanly.
export async function newPage(browser, { hooks = true, ...opts } = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 760 }, ...opts });
  // The viewer exposes window.tailcast only to a page that asks before it
  // loads (web/static/hooks.js); hooks: false opens it as a user would.
  if (hooks) await context.addInitScript(() => { window.tailcastTestHooks = true; });
  const page = await context.newPage();
  page.problems = [];
  page.on('console', (m) => { if (m.type() === 'error') page.problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => page.problems.push(`pageerror: ${e.message}`));
  page.sockets = [];
  page.on('websocket', (ws) => page.sockets.push(ws.url()));
  return page;
}

// until polls fn in the page until it returns truthy.
export async function until(page, fn, arg, { timeout = 20000, what = '' } = {}) {
  try {
    return await page.waitForFunction(fn, arg, { timeout, polling: 50 });
  } catch (e) {
    const state = await page.evaluate(() => window.tailcast && {
      state: tailcast.state, received: tailcast.received, size: tailcast.size, following: tailcast.following,
      stats: tailcast.stats, markers: tailcast.markers().slice(-5),
    }).catch(() => null);
    throw new Error(`timed out after ${timeout} ms waiting for ${what || fn.toString()}; viewer: ${JSON.stringify(state)}`);
  }
}

// waitFor polls a node-side condition.
export async function waitFor(fn, { timeout = 20000, interval = 50, what = 'condition' } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, interval));
  }
}

export async function screenshot(page, name) {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, name + '.png');
  await page.screenshot({ path: file });
  return file;
}

// messages held by the viewer, oldest first.
export function messages(page, opts) {
  return page.evaluate((o) => tailcast.entries(o).map((e) => e.msg), opts || {});
}

// Lines of the loghub samples (the repository's copy, with its LICENSE, in
// internal/loghub/testdata), for realistic content.
export function loghub(name, n) {
  const file = path.resolve(here, '../../internal/loghub/testdata', `${name}_2k.log`);
  return fs.readFileSync(file, 'utf8').split(/\r?\n/).filter(Boolean).slice(0, n);
}

// deleteRecords sends Kafka DeleteRecords (API key 21, v0) to the broker at
// addr: every record of the given partitions of topic below the high
// watermark is deleted, so the log start moves past them, as retention does.
// It speaks the wire protocol itself: the tests need no Kafka library. It
// returns the new log start offset of each partition.
export async function deleteRecords(addr, topic, partitions) {
  const [host, port] = [addr.slice(0, addr.lastIndexOf(':')), +addr.slice(addr.lastIndexOf(':') + 1)];
  const str = (v) => { const b = Buffer.from(v); const h = Buffer.alloc(2); h.writeInt16BE(b.length); return Buffer.concat([h, b]); };
  const i16 = (v) => { const b = Buffer.alloc(2); b.writeInt16BE(v); return b; };
  const i32 = (v) => { const b = Buffer.alloc(4); b.writeInt32BE(v); return b; };
  const i64 = (v) => { const b = Buffer.alloc(8); b.writeBigInt64BE(BigInt(v)); return b; };
  const body = Buffer.concat([
    i16(21), i16(0), i32(7), str('tailcast-web-test'), // request header v1
    i32(1), str(topic), i32(partitions.length),
    ...partitions.flatMap((p) => [i32(p), i64(-1)]), // -1: up to the high watermark
    i32(10000), // timeout ms
  ]);
  const resp = await new Promise((resolve, reject) => {
    const sock = net.connect(port, host);
    let buf = Buffer.alloc(0);
    sock.setTimeout(10000, () => { sock.destroy(); reject(new Error(`DeleteRecords to ${addr}: timed out`)); });
    sock.on('error', reject);
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0)) { sock.end(); resolve(buf.subarray(4, 4 + buf.readInt32BE(0))); }
    });
    sock.write(Buffer.concat([i32(body.length), body]));
  });
  // correlation id, throttle ms, [topic [partition, low watermark, error]]
  let o = 8;
  const out = {};
  for (let t = resp.readInt32BE(o), i = (o += 4, 0); i < t; i++) {
    o += 2 + resp.readInt16BE(o);
    for (let n = resp.readInt32BE(o), j = (o += 4, 0); j < n; j++) {
      const p = resp.readInt32BE(o), low = Number(resp.readBigInt64BE(o + 4)), err = resp.readInt16BE(o + 12);
      o += 14;
      if (err !== 0) throw new Error(`DeleteRecords ${topic}/${p}: Kafka error code ${err}`);
      out[p] = low;
    }
  }
  return out;
}
