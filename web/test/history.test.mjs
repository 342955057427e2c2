// The viewer's history features against a real `tailcast run`: the time
// picker, the range histogram's zoom, "filter for value", "show context",
// "no entries in this range" and "go live from here".
//
// The lines are JSON with their own time a few tens of seconds before they
// are written (within the server's 1 minute margin, so that the range's
// scan finds them by their read time).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Server, tempDir, appendLines, launch, newPage, until, screenshot } from './harness.mjs';

let server, browser, logDir, base, rangeFrom, rangeTo;
const USERS = ['alice', 'bob', 'carol'];
const N = 30;

const json = (at, level, msg, fields = {}) => JSON.stringify({ time: new Date(at).toISOString(), level, msg, ...fields });

before(async () => {
  logDir = tempDir('history');
  for (const f of ['app.log', 'ctx.log', 'deep.log']) fs.writeFileSync(path.join(logDir, f), '');
  server = await new Server({ logDir, dataDir: tempDir('historydata') }).start();
  browser = await launch();
  // r-00 … r-29, one a second from 40 s ago; every fifth an error.
  base = Date.now() - 40_000;
  appendLines(path.join(logDir, 'app.log'), Array.from({ length: N }, (_, i) => json(base + i * 1000, i % 5 === 4 ? 'error' : 'info',
    `r-${String(i).padStart(2, '0')}`, { user: USERS[i % 3], status: i % 5 === 4 ? 500 : 200 })));
  // Another file: c-0 … c-9, for context.
  appendLines(path.join(logDir, 'ctx.log'), Array.from({ length: 10 }, (_, i) => json(base + 500 + i * 1000, 'info', `c-${i}`)));
  // A longer file, d-000 … d-119, before the range the other tests ask for.
  appendLines(path.join(logDir, 'deep.log'), Array.from({ length: 120 }, (_, i) => json(base - 5000 + i * 10, 'info', `d-${String(i).padStart(3, '0')}`)));
  rangeFrom = new Date(base - 2000).toISOString();
  rangeTo = new Date(base + N * 1000 + 2000).toISOString();
  // Wait until the server has published them all.
  const page = await newPage(browser);
  await page.goto(server.url);
  await until(page, (n) => tailcast.entries().length >= n, N + 10 + 120, { what: 'all lines published' });
  await page.context().close();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const names = (page) => page.evaluate(() => tailcast.entries().map((e) => e.msg));
const wantNames = (from, to) => Array.from({ length: to - from }, (_, i) => `r-${String(from + i).padStart(2, '0')}`);

async function openRange(query, opts) {
  const page = await newPage(browser, opts);
  await page.goto(server.url + query);
  await until(page, () => window.tailcast && tailcast.history.ended, null, { what: 'the end of the range' });
  return page;
}

test('time picker: a custom range returns its entries in order and the URL holds it', async () => {
  const page = await newPage(browser);
  await page.goto(server.url);
  await until(page, () => window.tailcast && tailcast.state === 'live', null, { what: 'live' });
  await page.selectOption('#range', 'custom');
  await page.waitForSelector('#range-from', { state: 'visible' });
  // datetime-local takes whole seconds of local time: r-05 … r-14.
  const [from, to] = await page.evaluate(([a, b]) => {
    const loc = (ms) => { const d = new Date(ms); const p = (n) => String(n).padStart(2, '0'); return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`; };
    return [loc(a), loc(b)];
  }, [Math.ceil((base + 5000) / 1000) * 1000, Math.ceil((base + 5000) / 1000) * 1000 + 9000]);
  await page.fill('#range-from', from);
  await page.fill('#range-to', to);
  await page.click('#range-apply');
  await until(page, () => tailcast.history.ended, null, { what: 'the end of the range' });
  const got = await names(page);
  const first = Math.ceil((base + 5000) / 1000) * 1000;
  const want = Array.from({ length: N }, (_, i) => i).filter((i) => base + i * 1000 >= first && base + i * 1000 <= first + 9000)
    .map((i) => `r-${String(i).padStart(2, '0')}`);
  assert.deepEqual(got.filter((m) => m.startsWith('r-')), want);
  assert.ok(want.length >= 9, `want about 10 entries, got ${want.length}`);
  const url = new URL(page.url());
  assert.ok(url.searchParams.get('from') && url.searchParams.get('to'), `URL ${url} holds the range`);
  assert.equal(Date.parse(url.searchParams.get('from')), new Date(from).getTime());
  // The socket asked for that range, with a to: it is not live.
  const end = await page.evaluate(() => tailcast.history.ended);
  assert.equal(end.sent, got.length);
  await until(page, () => !document.querySelector('#golive').hidden, null, { what: 'go live button' });
  // A preset: last 5m goes on live after the range; the URL says 5m.
  await page.selectOption('#range', '5m');
  await until(page, () => tailcast.history.ended && tailcast.state === 'live', null, { what: 'last 5m then live' });
  assert.equal(new URL(page.url()).searchParams.get('from'), '5m');
  const all = await names(page);
  assert.deepEqual(all.filter((m) => m.startsWith('r-')), wantNames(0, N));
  assert.deepEqual(page.problems, []);
  // Reloading the URL gives the same range.
  await page.reload();
  await until(page, () => window.tailcast && tailcast.history.ended, null, { what: 'range after reload' });
  assert.equal(await page.locator('#range').inputValue(), '5m');
});

test('range histogram: drawn from the scan; a drag zooms into part of the range', async () => {
  const page = await openRange(`?from=${rangeFrom}&to=${rangeTo}`);
  const h = await page.evaluate(() => tailcast.history.histogram);
  assert.equal(h.buckets, 100);
  const total = Object.values(h.counts).flat().reduce((a, b) => a + b, 0);
  assert.equal(total, N + 10, 'the histogram counts every entry of the range');
  assert.ok(h.counts.error.reduce((a, b) => a + b, 0) === N / 5, 'errors counted by level');
  const progress = await page.evaluate(() => tailcast.history.progress);
  assert.ok(progress && progress.scanned > 0 && progress.of >= progress.scanned, `progress ${JSON.stringify(progress)}`);
  await screenshot(page, 'history-range-desktop');
  // A click on r-02's bar shows r-02 at the top.
  {
    const box = await page.locator('#rhist').boundingBox();
    const span = Date.parse(rangeTo) - Date.parse(rangeFrom);
    const at = base + 2000 - 100 - Date.parse(rangeFrom);
    await page.mouse.click(box.x + (box.width * at) / span, box.y + box.height / 2);
    await until(page, () => tailcast.screen()[0] === 'r-02', null, { what: 'r-02 at the top' });
    assert.equal(await page.evaluate(() => tailcast.history.range.from), rangeFrom, 'a click is no zoom');
  }
  // Drag across the middle of the canvas: from 40% to 60% of its width.
  const box = await page.locator('#rhist').boundingBox();
  const y = box.y + box.height / 2;
  await page.mouse.move(box.x + box.width * 0.4, y);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.5, y, { steps: 4 });
  await page.mouse.move(box.x + box.width * 0.6, y, { steps: 4 });
  await page.mouse.up();
  await until(page, (f) => { const r = tailcast.history.range; return r.from !== f && tailcast.history.ended; }, rangeFrom, { what: 'the zoomed range' });
  const r = await page.evaluate(() => tailcast.history.range);
  const span = Date.parse(rangeTo) - Date.parse(rangeFrom);
  const zFrom = Date.parse(r.from);
  const zTo = Date.parse(r.to);
  assert.ok(zFrom > Date.parse(rangeFrom) && zTo < Date.parse(rangeTo), `zoomed ${r.from}–${r.to} lies inside the range`);
  assert.ok(Math.abs((zTo - zFrom) - span * 0.2) < span * 0.03, `zoomed span ${zTo - zFrom} ms, want about ${span * 0.2}`);
  const got = await page.evaluate(() => tailcast.entries().map((e) => ({ msg: e.msg, ts: Date.parse(e.ts) })));
  assert.ok(got.length > 0 && got.length < N, `zoomed: got ${got.length} entries, want fewer than ${N}`);
  for (const e of got) assert.ok(e.ts >= zFrom && e.ts <= zTo, `${e.msg} at ${e.ts} in ${zFrom}–${zTo}`);
  const url = new URL(page.url());
  assert.equal(url.searchParams.get('from'), r.from);
  assert.equal(url.searchParams.get('to'), r.to);
  assert.deepEqual(page.problems, []);
});

test('filter for value: adds a where and the list narrows', async () => {
  const page = await openRange(`?from=${rangeFrom}&to=${rangeTo}`);
  // Open r-27 (user alice) and filter for its user.
  const row = page.locator('.row', { hasText: 'r-27' }).first();
  await row.click();
  const plus = page.locator('.row.open .fields dd button.fv[data-key="user"][data-neg=""]');
  await plus.click();
  await until(page, () => tailcast.history.range.where.length === 1 && tailcast.history.ended, null, { what: 'where applied' });
  assert.deepEqual(await page.evaluate(() => tailcast.history.range.where), ['user=alice']);
  assert.deepEqual(new URL(page.url()).searchParams.getAll('where'), ['user=alice']);
  const want = Array.from({ length: N }, (_, i) => i).filter((i) => i % 3 === 0).map((i) => `r-${String(i).padStart(2, '0')}`);
  assert.deepEqual(await names(page), want);
  // Filter out a number: status 500 is compared as a number.
  await page.locator('.row', { hasText: 'r-24' }).first().click();
  await page.locator('.row.open .fields dd button.fv[data-key="status"][data-neg="1"]').click();
  await until(page, () => tailcast.history.range.where.length === 2 && tailcast.history.ended, null, { what: 'second where' });
  assert.deepEqual(await page.evaluate(() => tailcast.history.range.where), ['user=alice', 'status!=500']);
  assert.deepEqual(await names(page), want.filter((m) => Number(m.slice(2)) % 5 !== 4));
  // The chip removes it again.
  await page.click('#wheres button[data-where="status!=500"]');
  await until(page, () => tailcast.history.range.where.length === 1 && tailcast.history.ended, null, { what: 'where removed' });
  assert.deepEqual(await names(page), want);
  // A text filter on top queries again, keeping the where.
  await page.fill('#f-q', 'r-2');
  await page.press('#f-q', 'Enter');
  await until(page, () => tailcast.filter.q === 'r-2' && tailcast.history.ended, null, { what: 'text filter applied' });
  assert.deepEqual(await names(page), want.filter((m) => m.startsWith('r-2')));
  assert.deepEqual(new URL(page.url()).searchParams.getAll('where'), ['user=alice']);
  assert.deepEqual(page.problems, []);
});

test('show context: the lines around an entry from its file, unfiltered, the entry marked', async () => {
  // The text filter leaves one line of ctx.log; its context has them all.
  const page = await openRange(`?from=${rangeFrom}&to=${rangeTo}&q=c-4`);
  assert.deepEqual(await names(page), ['c-4']);
  const row = page.locator('.row', { hasText: 'c-4' }).first();
  await row.hover();
  await row.locator('.show-ctx').click();
  await until(page, () => document.querySelectorAll('#ctx-list .cline').length === 10, null, { what: 'context lines' });
  const lines = await page.$$eval('#ctx-list .cline', (els) => els.map((e) => ({ msg: e.querySelector('.msg').textContent, anchor: e.classList.contains('anchor') })));
  assert.deepEqual(lines.map((l) => JSON.parse(l.msg).msg), Array.from({ length: 10 }, (_, i) => `c-${i}`));
  assert.deepEqual(lines.filter((l) => l.anchor).map((l) => JSON.parse(l.msg).msg), ['c-4']);
  await screenshot(page, 'history-context-desktop');
  // Nothing more above: the file starts there.
  await page.click('#ctx-above');
  await until(page, () => /Nothing more before/.test(document.querySelector('#ctx-status').textContent), null, { what: 'nothing more above' });
  assert.equal(await page.locator('#ctx-list .cline').count(), 10);
  await page.click('#ctx-close');
  assert.equal(await page.locator('#ctx').isHidden(), true);
  assert.deepEqual(page.problems, []);
});

test('show context: load more above and below', async () => {
  // 50 lines each way first, then 50 more above and below (what is left).
  const from = new Date(base - 10_000).toISOString();
  const to = new Date(base - 3000).toISOString();
  const page = await openRange(`?from=${from}&to=${to}&q=d-060`);
  assert.deepEqual(await names(page), ['d-060']);
  const row = page.locator('.row', { hasText: 'd-060' }).first();
  await row.hover();
  await row.locator('.show-ctx').click();
  const shown = () => page.$$eval('#ctx-list .cline', (els) => els.map((e) => JSON.parse(e.querySelector('.msg').textContent).msg));
  const d = (a, b) => Array.from({ length: b - a }, (_, i) => `d-${String(a + i).padStart(3, '0')}`);
  await until(page, () => document.querySelectorAll('#ctx-list .cline').length === 101, null, { what: '101 context lines' });
  assert.deepEqual(await shown(), d(10, 111));
  await page.click('#ctx-above');
  await until(page, () => document.querySelectorAll('#ctx-list .cline').length === 111, null, { what: 'more above' });
  await page.click('#ctx-below');
  await until(page, () => document.querySelectorAll('#ctx-list .cline').length === 120, null, { what: 'more below' });
  assert.deepEqual(await shown(), d(0, 120));
  assert.deepEqual(await page.$$eval('#ctx-list .cline.anchor .msg', (els) => els.map((e) => JSON.parse(e.textContent).msg)), ['d-060']);
  assert.deepEqual(page.problems, []);
});

test('no entries in this range', async () => {
  const from = new Date(base - 3_600_000).toISOString();
  const to = new Date(base - 3_300_000).toISOString();
  const page = await openRange(`?from=${from}&to=${to}`);
  assert.equal((await page.evaluate(() => tailcast.history.ended)).sent, 0);
  assert.deepEqual(await names(page), []);
  const status = await page.locator('#hstatus').textContent();
  assert.match(status, /No entries in this range/);
  assert.equal(await page.locator('.row.marker', { hasText: 'no entries in this range' }).count(), 1);
});

test('go live from here: continues after the range exactly', async () => {
  const page = await openRange(`?from=${rangeFrom}&to=${rangeTo}&where=user%3Dbob`);
  const want = Array.from({ length: N }, (_, i) => i).filter((i) => i % 3 === 1).map((i) => `r-${String(i).padStart(2, '0')}`);
  assert.deepEqual(await names(page), want);
  await page.click('#golive');
  await until(page, () => tailcast.state === 'live' && !tailcast.history.range.from, null, { what: 'live' });
  const url = new URL(page.url());
  assert.equal(url.searchParams.get('from'), null);
  assert.deepEqual(url.searchParams.getAll('where'), ['user=bob']);
  // The socket resumed with since= the last entry's cursor.
  const last = page.sockets[page.sockets.length - 1];
  assert.ok(new URL(last).searchParams.get('since'), `live socket ${last} resumes with since`);
  const now = Date.now();
  appendLines(path.join(logDir, 'app.log'), [
    json(now, 'info', 'live-bob', { user: 'bob' }),
    json(now, 'info', 'live-alice', { user: 'alice' }),
  ]);
  await until(page, () => tailcast.entries().some((e) => e.msg === 'live-bob'), null, { what: 'the live line' });
  assert.deepEqual(await names(page), [...want, 'live-bob']);
  assert.equal(await page.evaluate(() => tailcast.duplicates), 0);
  assert.deepEqual(page.problems, []);
});

test('screenshots: phone width', async () => {
  const page = await openRange(`?from=${rangeFrom}&to=${rangeTo}`, { viewport: { width: 390, height: 760 } });
  await screenshot(page, 'history-range-phone');
  const row = page.locator('.row', { hasText: 'r-27' }).first();
  await row.click();
  await screenshot(page, 'history-fields-phone');
  await row.locator('.show-ctx').click();
  await until(page, () => document.querySelectorAll('#ctx-list .cline').length > 0, null, { what: 'context lines' });
  await screenshot(page, 'history-context-phone');
});
