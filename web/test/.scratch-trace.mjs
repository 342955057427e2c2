// scratch: soak-like load with a CDP trace; summarises long main-thread tasks.
import fs from 'node:fs';
import path from 'node:path';
import { Server, tempDir, launch, newPage, until, loghub, line } from '/work/main/web/test/harness.mjs';
const SECS = +(process.env.SECS || 8), RATE = 10000;
const logDir = tempDir('trace'); const file = path.join(logDir, 'soak.log'); fs.writeFileSync(file, '');
const server = await new Server({ logDir, dataDir: tempDir('tracedata') }).start();
const browser = await launch();
const page = await newPage(browser);
await page.addInitScript(() => { window.__long = []; new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__long.push(Math.round(e.duration)); }).observe({ type: 'longtask', buffered: true }); });
await page.goto(server.url);
await until(page, () => window.tailcast && tailcast.state === 'live', null, { what: 'live' });
const cdp = await page.context().newCDPSession(page);
const chunks = [];
cdp.on('Tracing.dataCollected', (e) => chunks.push(...e.value));
const done = new Promise((r) => cdp.once('Tracing.tracingComplete', r));
await cdp.send('Tracing.start', { transferMode: 'ReportEvents', traceConfig: { includedCategories: ['devtools.timeline', 'v8', 'blink', 'cc', 'disabled-by-default-devtools.timeline', 'toplevel', 'v8.execute', 'blink.user_timing'] } });
const sample = loghub('Spark', 2000);
const levels = ['info', 'info', 'info', 'debug', 'warn', 'error'];
const start = Date.now(); const chunk = RATE / 20; const LINES = SECS * RATE;
for (let n = 0; n < LINES; n += chunk) {
  let s = ''; for (let i = n; i < n + chunk; i++) s += line(levels[i % 6], `soak ${i} ${sample[i % sample.length]}`) + '\n';
  fs.appendFileSync(file, s);
  const due = start + ((n + chunk) / RATE) * 1000; await new Promise((r) => setTimeout(r, Math.max(0, due - Date.now())));
}
await until(page, (n) => tailcast.received >= n, LINES, { timeout: 60000 });
await cdp.send('Tracing.end'); await done;
const st = await page.evaluate(() => ({ long: window.__long, stats: tailcast.stats }));
console.log('long', JSON.stringify(st.long), 'maxPaint', st.stats.maxPaintMs);
fs.writeFileSync('/tmp/scratch/trace.json', JSON.stringify(chunks));
// main thread of the renderer
const names = new Map(); for (const e of chunks) if (e.name === 'thread_name') names.set(e.pid + ':' + e.tid, e.args.name);
const main = [...names].filter(([, n]) => n === 'CrRendererMain').map(([k]) => k);
const ev = chunks.filter((e) => main.includes(e.pid + ':' + e.tid) && e.ph === 'X' && e.dur);
const tasks = ev.filter((e) => (e.name === 'RunTask' || e.name === 'ThreadControllerImpl::RunTask') && e.dur > 30000);
for (const t of tasks) {
  const kids = ev.filter((e) => e !== t && e.ts >= t.ts && e.ts + e.dur <= t.ts + t.dur);
  const agg = {}; for (const k of kids) agg[k.name] = (agg[k.name] || 0) + k.dur / 1000;
  const top = Object.entries(agg).sort((a, b) => b[1] - a[1]).slice(0, 8).map(([n, d]) => `${n}=${d.toFixed(1)}`);
  console.log(`task ${(t.dur / 1000).toFixed(1)}ms tdur=${((t.tdur || 0) / 1000).toFixed(1)}ms cpu:`, top.join(' '));
}
await browser.close(); await server.stop();
