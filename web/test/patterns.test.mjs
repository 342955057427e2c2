// The Patterns panel against a real `tailcast run`: it lists the patterns
// the server mines with their counts, a click on a template filters the
// stream to that pattern, mute hides one (and unmute brings it back), the
// state lives in the URL, and a pattern first seen after the learning
// period is flagged new in the panel and in the stream.
//
// --pattern-new 5s: the learning period (and the "new" window) is 5 s, so
// the last test can see a pattern become new without waiting 10 minutes.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Server, tempDir, appendLines, line, launch, newPage, until, waitFor } from './harness.mjs';

const NEW_FOR_MS = 5000;
let server, browser, logFile, startedAt;

before(async () => {
  const logDir = tempDir('patterns');
  logFile = path.join(logDir, 'pat.log');
  fs.writeFileSync(logFile, '');
  server = await new Server({
    logDir, dataDir: tempDir('patternsdata'),
    extraArgs: ['--pattern-new', `${NEW_FOR_MS}ms`, '--pattern-interval', '300ms'],
  }).start();
  startedAt = Date.now(); // the server started before: its learning period ends earlier

  browser = await launch();
  const conn = [], disk = [];
  for (let i = 0; i < 30; i++) conn.push(line('warn', `Connection reset by peer 10.0.${i % 7}.${i}:${40000 + i}`));
  for (let i = 0; i < 10; i++) disk.push(line('info', `disk usage at ${50 + i}% on /dev/sd${'abc'[i % 3]}`));
  appendLines(logFile, [...conn, ...disk]);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function open(query = '') {
  const page = await newPage(browser);
  await page.goto(server.url + query);
  await until(page, () => window.tailcast && tailcast.state === 'live', null, { what: 'live' });
  return page;
}

const patRow = (page, text) => page.locator('#patterns li.pat', { hasText: text });

async function idOf(page, text) {
  await patRow(page, text).first().waitFor({ timeout: 20000 });
  return patRow(page, text).first().getAttribute('data-id');
}

// received waits until the viewer holds an entry containing text.
const received = (page, text) => until(page, (t) => tailcast.entries().some((e) => e.msg.includes(t)), text, { what: text });

test('the panel lists the patterns with counts, most frequent first', async () => {
  const page = await open();
  await until(page, () => document.querySelectorAll('#patterns li.pat').length >= 2, null, { what: 'two patterns in the panel' });
  const rows = await page.$$eval('#patterns li.pat', (els) => els.map((el) => ({
    tmpl: el.querySelector('.p-tmpl').textContent, count: el.querySelector('.p-count').textContent,
    share: el.querySelector('.p-share').textContent, spark: el.querySelectorAll('.p-spark polyline').length,
  })));
  assert.match(rows[0].tmpl, /^Connection reset by peer <\*>/, `first row ${JSON.stringify(rows[0])}`);
  assert.equal(rows[0].count, '30');
  assert.equal(rows[0].share, '75%');
  assert.equal(rows[0].spark, 1, 'a sparkline');
  const disk = rows.find((r) => r.tmpl.startsWith('disk usage at'));
  assert.ok(disk, `a disk usage pattern among ${JSON.stringify(rows)}`);
  assert.equal(disk.count, '10');
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('the counts follow the whole filter: level=warn counts only the warn lines, since when it says', async () => {
  const page = await open('?level=warn');
  await patRow(page, 'Connection reset by peer').first().waitFor({ timeout: 20000 });
  await until(page, () => /since \d\d:\d\d:\d\d/.test(document.querySelector('#patterns .p-sum').textContent), null, { what: 'the counts\' start in the panel' });
  const rows = await page.$$eval('#patterns li.pat', (els) => els.map((el) => ({
    tmpl: el.querySelector('.p-tmpl').textContent, count: el.querySelector('.p-count').textContent,
  })));
  assert.equal(rows.length, 1, `only the warn lines' pattern: ${JSON.stringify(rows)}`);
  assert.match(rows[0].tmpl, /^Connection reset by peer/);
  assert.equal(rows[0].count, '30');
  assert.match(await page.locator('#patterns .p-sum').textContent(), /^30 lines/);
  // A filter change rebuilds them at once: no level, both shapes.
  await page.selectOption('#f-level', '');
  await patRow(page, 'disk usage at').first().waitFor({ timeout: 20000 });
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('on a phone the panel is a drawer the toolbar opens, with the pattern count, kept in the URL', async () => {
  const phone = { viewport: { width: 390, height: 760 }, isMobile: true, hasTouch: true };
  let page = await newPage(browser, phone);
  await page.goto(server.url);
  await until(page, () => window.tailcast && tailcast.state === 'live', null, { what: 'live' });
  const toggle = page.locator('#patterns-toggle');
  await until(page, () => /^patterns \d+/.test(document.getElementById('patterns-toggle').textContent), null, { what: 'the count on the toggle' });
  assert.match(await toggle.textContent(), /^patterns 2\b/, 'two patterns in the window');
  assert.equal(await page.locator('#patterns').isHidden(), true, 'closed at first on a phone');
  await toggle.click();
  await page.locator('#patterns').waitFor({ state: 'visible' });
  assert.equal(new URL(page.url()).searchParams.get('patpanel'), '1');
  const box = await page.evaluate(() => {
    const p = document.getElementById('patterns').getBoundingClientRect();
    const s = document.getElementById('scroller').getBoundingClientRect();
    return { right: p.right, width: p.width, over: p.left < s.right && p.top < s.bottom, scrollerW: s.width, overflow: document.documentElement.scrollWidth - innerWidth };
  });
  assert.ok(box.over && box.right <= 390 && box.width <= 390, `a drawer over the stream: ${JSON.stringify(box)}`);
  assert.equal(box.overflow, 0, 'no sideways scrolling');
  assert.ok(box.scrollerW >= 380, `the stream keeps the width under the drawer: ${JSON.stringify(box)}`);
  await patRow(page, 'Connection reset by peer').first().waitFor({ timeout: 20000 });

  // The URL keeps it open.
  const url = page.url();
  await page.close();
  page = await newPage(browser, phone);
  await page.goto(url);
  await until(page, () => window.tailcast && tailcast.state === 'live', null, { what: 'live after reload' });
  await page.locator('#patterns').waitFor({ state: 'visible' });
  await page.locator('#patterns-toggle').click();
  await page.locator('#patterns').waitFor({ state: 'hidden' });
  assert.equal(new URL(page.url()).searchParams.get('patpanel'), '0');
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('on a wide screen the toggle hides the panel and shows it again', async () => {
  const page = await open();
  await page.locator('#patterns').waitFor({ state: 'visible' });
  await page.locator('#patterns-toggle').click();
  await page.locator('#patterns').waitFor({ state: 'hidden' });
  assert.equal(new URL(page.url()).searchParams.get('patpanel'), '0');
  await page.locator('#patterns-toggle').click();
  await page.locator('#patterns').waitFor({ state: 'visible' });
  assert.equal(new URL(page.url()).searchParams.get('patpanel'), '1');
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('a click on a template filters the stream to it, a second click undoes it', async () => {
  const page = await open();
  const id = await idOf(page, 'Connection reset by peer');
  await patRow(page, 'Connection reset by peer').first().locator('.p-tmpl').click();
  await until(page, (id) => new URL(location.href).searchParams.get('pattern') === id, id, { what: 'pattern= in the URL' });
  // The rows held are filtered in the browser at once; 30 of them match.
  await until(page, () => {
    const vis = tailcast.entries({ visible: true }).map((e) => e.msg);
    return vis.length >= 30 && vis.every((m) => m.startsWith('Connection reset by peer'));
  }, null, { what: 'only the connection resets visible' });
  // Live: the server sends only the pattern's lines now.
  const tag = Date.now();
  appendLines(logFile, [line('info', `disk usage at 91% on /dev/sdz${tag}`), line('warn', `Connection reset by peer 10.9.9.9:${tag}`)]);
  await received(page, `10.9.9.9:${tag}`);
  assert.equal(await page.evaluate((t) => tailcast.entries().some((e) => e.msg.includes(`sdz${t}`)), tag), false, 'a disk line reached a viewer filtered to the connection resets');
  assert.equal(await page.locator('#patterns li.pat.active').count(), 1, 'the chosen pattern is marked');

  await patRow(page, 'Connection reset by peer').first().locator('.p-tmpl').click();
  await until(page, () => !new URL(location.href).searchParams.has('pattern'), null, { what: 'pattern= gone from the URL' });
  const tag2 = Date.now();
  appendLines(logFile, [line('info', `disk usage at 92% on /dev/sdy${tag2}`)]);
  await received(page, `sdy${tag2}`);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('mute hides a pattern, shows the muted count, survives a reload, and unmute undoes it', async () => {
  let page = await open();
  const id = await idOf(page, 'disk usage at');
  await patRow(page, 'disk usage at').first().locator('.p-mute').click();
  await until(page, (id) => new URL(location.href).searchParams.get('not_pattern') === id, id, { what: 'not_pattern= in the URL' });
  await page.locator('#patterns .p-muted-head', { hasText: '1 muted' }).waitFor({ timeout: 20000 });
  assert.equal(await patRow(page, 'disk usage at').count(), 0, 'a muted pattern left the list');
  const vis = await page.evaluate(() => tailcast.entries({ visible: true }).map((e) => e.msg));
  assert.ok(!vis.some((m) => m.startsWith('disk usage at')), 'muted lines still visible');

  // The state is in the URL: a reload keeps the pattern muted.
  const url = page.url();
  await page.close();
  page = await newPage(browser);
  await page.goto(url);
  await until(page, () => window.tailcast && tailcast.state === 'live', null, { what: 'live after reload' });
  await page.locator('#patterns .p-muted-head', { hasText: '1 muted' }).waitFor({ timeout: 20000 });
  const tag = Date.now();
  appendLines(logFile, [line('info', `disk usage at 93% on /dev/sdx${tag}`), line('warn', `Connection reset by peer 10.8.8.8:${tag}`)]);
  await received(page, `10.8.8.8:${tag}`);
  assert.equal(await page.evaluate((t) => tailcast.entries().some((e) => e.msg.includes(`sdx${t}`)), tag), false, 'a muted line reached the viewer');
  assert.ok(!(await page.evaluate(() => tailcast.entries({ visible: true }).some((e) => e.msg.startsWith('disk usage')))), 'muted lines visible after reload');

  await page.locator('#patterns .p-muted li', { hasText: 'disk usage at' }).locator('.p-unmute').click();
  await until(page, () => !new URL(location.href).searchParams.has('not_pattern'), null, { what: 'not_pattern= gone' });
  assert.equal(await page.locator('#patterns .p-muted').isHidden(), true, 'the muted list is gone');
  const tag2 = Date.now();
  appendLines(logFile, [line('info', `disk usage at 94% on /dev/sdw${tag2}`)]);
  await received(page, `sdw${tag2}`);
  await patRow(page, 'disk usage at').first().waitFor({ timeout: 20000 });
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('a muted pattern stays muted when its template generalises (its id changes)', async () => {
  const page = await open();
  appendLines(logFile, [1, 2, 3].map(() => line('info', 'session opened for user root')));
  const rootID = await idOf(page, 'session opened for user root');
  await patRow(page, 'session opened for user root').first().locator('.p-mute').click();
  await until(page, (id) => new URL(location.href).searchParams.get('not_pattern') === id, rootID, { what: 'root muted' });
  // Four different words in that place: the miner folds them into
  // "session opened for user <*>", a new id the viewer must follow.
  appendLines(logFile, ['admin', 'test', 'oracle'].map((u) => line('info', `session opened for user ${u}`)));
  await until(page, (id) => {
    const ids = (new URL(location.href).searchParams.get('not_pattern') || '').split(',');
    return ids.includes(id) && ids.length === 2;
  }, rootID, { what: 'the new id muted too' });
  await page.locator('#patterns .p-muted-head', { hasText: '1 muted' }).waitFor({ timeout: 20000 });
  const tag = Date.now();
  appendLines(logFile, [line('info', `session opened for user zed${tag}`), line('warn', `Connection reset by peer 10.6.6.6:${tag}`)]);
  await received(page, `10.6.6.6:${tag}`);
  assert.equal(await page.evaluate((t) => tailcast.entries().some((e) => e.msg.includes(`zed${t}`)), tag), false, 'a line of the generalised muted pattern reached the viewer');
  // One unmute brings every id of it back.
  await page.locator('#patterns .p-muted li .p-unmute').first().click();
  await until(page, () => !new URL(location.href).searchParams.has('not_pattern'), null, { what: 'all unmuted' });
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('a pattern first seen after the learning period is new, in the panel and in the stream', async () => {
  const page = await open();
  await waitFor(() => Date.now() > startedAt + NEW_FOR_MS + 1000, { timeout: 30000, what: 'the learning period to end' });
  const tag = Date.now();
  const novel = [];
  for (let i = 0; i < 5; i++) novel.push(line('error', `Quota exceeded for tenant ${tag + i} in region eu-${i}`));
  novel.push(line('warn', `Connection reset by peer 10.7.7.7:${tag}`));
  appendLines(logFile, novel);
  await received(page, `10.7.7.7:${tag}`);
  // Rows are painted on the next animation frame: wait for the last one.
  const rowsNow = () => page.evaluate(() => [...document.querySelectorAll('#rows .row:not([hidden])')].map((el) => ({
    msg: el.querySelector('.msg').textContent, newpat: el.classList.contains('newpat'),
  })));
  await waitFor(async () => (await rowsNow()).some((r) => r.msg.includes(`10.7.7.7:${tag}`)), { what: 'the last row painted' });
  const flags = await rowsNow();
  const quota = flags.filter((r) => r.msg.startsWith('Quota exceeded'));
  const reset = flags.filter((r) => r.msg.includes(`10.7.7.7:${tag}`));
  assert.ok(quota.length > 0 && quota.every((r) => r.newpat), `quota rows flagged new: ${JSON.stringify(quota)}`);
  assert.ok(reset.length === 1 && !reset[0].newpat, `a known pattern's row is not flagged: ${JSON.stringify(reset)}`);
  await patRow(page, 'Quota exceeded').locator('.p-new').first().waitFor({ timeout: 20000 });
  assert.equal(await patRow(page, 'Connection reset by peer').locator('.p-new').count(), 0, 'an old pattern has no new badge');
  assert.deepEqual(page.problems, []);
  await page.close();
});
