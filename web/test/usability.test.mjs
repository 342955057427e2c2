// The viewer defects of issue 15 (items 8-11, 13-16), each against a real
// `tailcast run`: refill on a loosened filter, Escape, RE2 judged by the
// server, the rate histogram, phone layout of open rows, double-click
// selection, match highlighting, and Space after a toolbar click.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Server, tempDir, appendLines, line, launch, newPage, until, waitFor } from './harness.mjs';

let server, browser, logFile;
let n = 0;
const tok = (name) => `${name}-${++n}-${Math.random().toString(36).slice(2, 8)}`;

before(async () => {
  const logDir = tempDir('logs');
  logFile = path.join(logDir, 'app.log');
  fs.writeFileSync(logFile, Array.from({ length: 50 }, (_, i) => line('info', `seed line ${i}`)).join('\n') + '\n');
  server = await new Server({ logDir, dataDir: tempDir('data') }).start();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function open(query = '', opts) {
  const page = await newPage(browser, opts);
  page.sent = [];
  page.on('websocket', (ws) => ws.on('framesent', (f) => page.sent.push(String(f.payload))));
  await page.goto(server.url + query);
  await until(page, () => window.tailcast && tailcast.state === 'live', null, { what: 'live' });
  return page;
}

const has = (page, text, opts = {}) => until(page, ([t, vis]) => tailcast.entries({ visible: vis }).some((e) => e.msg.includes(t)),
  [text, !!opts.visible], { what: text, timeout: opts.timeout || 20000 });

// applied waits until the page URL says the filter key has value v ('' for
// none) and that many filter messages went out.
async function applied(page, key, v, sent) {
  await until(page, ([k, val, s]) => (new URLSearchParams(location.search).get(k) || '') === val && tailcast.stats.filtersSent === s,
    [key, v, sent], { what: `${key}=${v} applied` });
}

// sentinel appends a line that passes the filter and waits for it; appended
// again until one arrives (a filter message is not acknowledged).
async function sentinel(page, text) {
  for (let i = 0; ; i++) {
    const t = `${text} sentinel-${tok('s')}`;
    appendLines(logFile, [line('error', t)]);
    try { await has(page, t, { timeout: 2000 }); return; } catch (e) { if (i >= 9) throw e; }
  }
}

test('item 8: loosening a filter refills the view from the server, exactly', async () => {
  const page = await open();
  await has(page, 'seed line 49');
  const z = tok('zzzz');
  await page.fill('#f-q', z);
  await page.press('#f-q', 'Enter');
  await applied(page, 'q', z, 1);
  const sent = JSON.parse(page.sent.find((m) => m.includes(z)));
  assert.equal(sent.backfill, 1000, `filter message asks for a refill: ${JSON.stringify(sent)}`);
  await sentinel(page, z);
  // Lines the narrow filter hides while it is on.
  const holes = Array.from({ length: 30 }, (_, i) => `hole ${i} ${tok('h')}`);
  appendLines(logFile, holes.map((h) => line('info', h)));
  await sentinel(page, z); // the server holds the holes by now
  assert.ok(!(await page.evaluate(() => tailcast.entries().map((e) => e.msg).join('\n'))).includes('hole 0 '), 'hidden by the filter');

  await page.fill('#f-q', '');
  await page.press('#f-q', 'Enter');
  await applied(page, 'q', '', 2);
  // A fresh load with no filter shows every hole, in order, once. (Needs the
  // server's refill: pusher replies {"type":"refill"} and the newest entries.)
  await until(page, (hs) => { const m = tailcast.entries({ visible: true }).map((e) => e.msg); return hs.every((h) => m.includes(h)); },
    holes, { what: 'every hole refilled', timeout: 15000 });
  const entries = await page.evaluate(() => tailcast.entries());
  const cursors = entries.map((e) => e.cursor);
  assert.equal(new Set(cursors).size, cursors.length, 'no duplicates');
  const idx = holes.map((h) => entries.findIndex((e) => e.msg === h));
  assert.deepEqual(idx, [...idx].sort((a, b) => a - b), 'in order');
  assert.ok(entries.some((e) => e.msg === 'seed line 49'), 'older lines come back too');
  await page.close();
});

test('item 8: the viewer starts over on refill (the protocol contract, through a relay)', async () => {
  // The relay passes everything between the page and the real server and,
  // when the page sends a filter with backfill, answers as the protocol says
  // the server does: refill, then entries. The page must drop what it held.
  const page = await newPage(browser);
  await page.routeWebSocket(/\/ws/, (ws) => {
    const srv = ws.connectToServer();
    srv.onMessage((m) => ws.send(m));
    ws.onMessage((m) => {
      const o = JSON.parse(m);
      if (o.type === 'filter' && o.backfill > 0) {
        ws.send(['{"type":"refill"}',
          JSON.stringify({ type: 'entry', cursor: 'R1', ts: new Date().toISOString(), level: 'error', service: 's', host: 'h', msg: 'refilled one' }),
          JSON.stringify({ type: 'entry', cursor: 'R2', ts: new Date().toISOString(), level: 'error', service: 's', host: 'h', msg: 'refilled two' }),
        ].join('\n'));
        return; // the real server is not asked for a refill it may not know
      }
      srv.send(m);
    });
  });
  await page.goto(server.url);
  await until(page, () => window.tailcast && tailcast.entries().some((e) => e.msg === 'seed line 49'), null, { what: 'backfill' });
  await page.selectOption('#f-level', 'error');
  await until(page, () => tailcast.entries().some((e) => e.cursor === 'R2'), null, { what: 'refill' });
  const got = await page.evaluate(() => tailcast.entries().map((e) => e.cursor));
  assert.deepEqual(got.slice(0, 2), ['R1', 'R2'], 'the old rows are gone, the refill is first');
  assert.equal(await page.evaluate(() => tailcast.following), true);
  await until(page, () => tailcast.screen().includes('refilled two'), null, { what: 'refill on screen' });
  await page.close();
});

test('item 9: Escape empties the text filter and removes it', async () => {
  const page = await open();
  const q = tok('esc');
  await page.fill('#f-q', q);
  await page.press('#f-q', 'Enter');
  await applied(page, 'q', q, 1);
  await sentinel(page, q);
  await page.press('#f-q', 'Escape');
  await applied(page, 'q', '', 2);
  assert.equal(await page.inputValue('#f-q'), '');
  assert.equal(await page.evaluate(() => tailcast.filter.q), '');
  const other = `after escape ${tok('o')}`;
  appendLines(logFile, [line('info', other)]);
  await has(page, other, { visible: true });
  await page.close();
});

test('item 10: RE2 (?i) goes to the server; a refusal is shown in plain words', async () => {
  const page = await open();
  const t = tok('re');
  await page.fill('#f-re', `(?i)timeout ${t}`);
  await page.press('#f-re', 'Enter');
  await applied(page, 're', `(?i)timeout ${t}`, 1);
  assert.equal(await page.isHidden('#f-error'), true);
  const yes = `upstream TIMEOUT ${t}`, no = `nothing here ${t}`;
  appendLines(logFile, [line('warn', no), line('warn', yes)]);
  await sentinel(page, `Timeout ${t}`);
  const msgs = await page.evaluate(() => tailcast.entries().map((e) => e.msg));
  assert.ok(msgs.includes(yes), 'case-insensitive match passed the server');
  assert.ok(!msgs.includes(no), 'the server applied the regex');
  assert.equal(await page.locator('.row', { hasText: yes }).locator('mark').textContent(), `TIMEOUT ${t}`, 'marked in the page too');

  await page.fill('#f-re', '[z-a]');
  await page.press('#f-re', 'Enter');
  await until(page, () => !document.getElementById('f-error').hidden, null, { what: 'refusal shown' });
  assert.match(await page.textContent('#f-error'), /^Not a valid regular expression: invalid character class range/);
  assert.equal(await page.evaluate(() => tailcast.filter.re), `(?i)timeout ${t}`, 'the server keeps the old one, so does the view');
  // Escape goes back to the filter in force: the message goes too.
  await page.press('#f-re', 'Escape');
  await until(page, () => document.getElementById('f-error').hidden, null, { what: 'refusal cleared by Escape' });
  // Correcting it clears the message.
  await page.fill('#f-re', '[z-a]');
  await page.press('#f-re', 'Enter');
  await until(page, () => !document.getElementById('f-error').hidden, null, { what: 'refused again' });
  await page.fill('#f-re', 'z');
  await page.press('#f-re', 'Enter');
  await until(page, () => document.getElementById('f-error').hidden && tailcast.filter.re === 'z', null, { what: 'refusal cleared' });
  // Highlight-only stays in the page, so the browser's engine judges: an
  // RE2 flag it lacks is said so, not silently ignored.
  await page.check('#f-hl');
  await page.fill('#f-re', '(?U)a+');
  await page.press('#f-re', 'Enter');
  await until(page, () => !document.getElementById('f-error').hidden, null, { what: 'highlight-only refusal' });
  assert.match(await page.textContent('#f-error'), /^Highlight only: this browser cannot use this regular expression/);
  await page.uncheck('#f-hl'); // now the server judges, and accepts it
  await until(page, () => document.getElementById('f-error').hidden && tailcast.filter.re === '(?U)a+' && !tailcast.filter.hl, null, { what: 'sent to the server' });
  await page.close();
});

test('item 15: a filter marks the match, the row keeps its level colour', async () => {
  const page = await open();
  const t = tok('red');
  appendLines(logFile, [line('error', `payment failed ${t}`)]);
  await has(page, t);
  const row = page.locator('.row.lv-error', { hasText: t });
  const bg = () => row.evaluate((el) => getComputedStyle(el).backgroundColor);
  const before = await bg();
  await page.fill('#f-q', t);
  await page.press('#f-q', 'Enter');
  await applied(page, 'q', t, 1);
  await until(page, (x) => [...document.querySelectorAll('.row mark')].some((m) => m.textContent === x), t, { what: 'mark' });
  assert.equal(await bg(), before, 'an ERROR row stays red under a filter');
  const markBg = await page.locator('.row mark', { hasText: t }).evaluate((el) => getComputedStyle(el).backgroundColor);
  assert.notEqual(markBg, before, 'the match stands out');
  await page.close();
});

test('item 14: double-clicking a field value selects it and the row stays open', async () => {
  const page = await open();
  const id = `7f3a9c2e-${tok('id')}`;
  const other = tok('other');
  appendLines(logFile, [
    JSON.stringify({ level: 'error', msg: `request failed ${other}`, request_id: id, user: 'u-1' }),
    JSON.stringify({ level: 'info', msg: `second row ${other}` }),
  ]);
  await has(page, `second row ${other}`);
  await page.locator('.row', { hasText: `request failed ${other}` }).locator('.msg').click({ position: { x: 5, y: 5 } });
  const dd = page.locator('.row.open dd', { hasText: id });
  await dd.waitFor();
  await dd.dblclick({ position: { x: 12, y: 6 } });
  await until(page, (x) => getSelection().toString().includes(x.split('-')[0]), id, { what: 'selection' });
  // A single click on the other row: once it collapses, any collapse the
  // double click could have started has fired too (timers fire in order).
  await page.locator('.row', { hasText: `second row ${other}` }).locator('.msg').click({ position: { x: 5, y: 5 } });
  await page.locator('.row.open', { hasText: `second row ${other}` }).waitFor();
  await page.locator('.row', { hasText: `second row ${other}` }).locator('.msg').click({ position: { x: 5, y: 5 } });
  await page.locator('.row.open', { hasText: `second row ${other}` }).waitFor({ state: 'detached' });
  assert.equal(await page.locator('.row.open', { hasText: `request failed ${other}` }).count(), 1, 'the double-clicked row is still open');
  await page.close();
});

test('item 16: Space after clicking a toolbar button pauses, it does not press the button', async () => {
  const page = await open();
  await page.click('#tz');
  const tz = await page.textContent('#tz');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'tz', 'the button keeps the focus');
  await page.keyboard.press(' ');
  await until(page, () => !tailcast.following, null, { what: 'paused' });
  assert.equal(await page.textContent('#tz'), tz, 'the button was not pressed again');
  await page.keyboard.press(' ');
  await until(page, () => tailcast.following, null, { what: 'following again' });
  assert.equal(await page.textContent('#tz'), tz);
  // Typing a space in a filter still types it.
  await page.click('#f-q');
  await page.keyboard.type('a b');
  assert.equal(await page.inputValue('#f-q'), 'a b');
  assert.equal(await page.evaluate(() => tailcast.following), true);
  await page.close();
});

test('item 11: the histogram counts by entry time, on a readable scale, with an axis and the chosen zone', async () => {
  const page = await open('', { timezoneId: 'Asia/Kolkata' });
  const now = Date.now();
  const t0 = new Date(Math.floor(now / 1000) * 1000 - 90_000); // 90 s ago
  const burstAt = new Date(t0.getTime() - 30_000);
  const mark = tok('t0');
  appendLines(logFile, [
    ...Array.from({ length: 1000 }, (_, i) => line('info', `burst ${i}`, burstAt)),
    ...Array.from({ length: 3 }, (_, i) => line('warn', `${mark} ${i}`, new Date(t0.getTime() + 100 * i))),
    ...Array.from({ length: 60 }, (_, i) => line('info', `later ${i}`)), // so the bar's line can be on top
  ]);
  await has(page, `${mark} 2`);
  const sec0 = t0.getTime() / 1000;
  const buckets = await page.evaluate(() => tailcast.histogram());
  const b0 = buckets.find((b) => b.sec === sec0);
  assert.ok(b0 && b0.total === 3, `got buckets ${JSON.stringify(buckets.slice(-5))}, want 3 lines at ${sec0} (their own time)`);
  assert.equal(buckets.find((b) => b.sec === burstAt.getTime() / 1000)?.total, 1000, 'the burst in its own second');

  const d = await page.evaluate(() => tailcast.histDrawn());
  const hBurst = d.bars[burstAt.getTime() / 1000].h, h0 = d.bars[sec0].h;
  assert.ok(h0 >= 6 && h0 >= hBurst / 8, `3 lines after a burst of 1000: got ${h0}px beside ${hBurst}px`);
  assert.ok(d.ticks.length >= 3, `axis ticks: ${JSON.stringify(d.ticks)}`);
  const clock = (ms, tz) => new Intl.DateTimeFormat('en-GB', { timeZone: tz, hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }).format(ms);
  const tick = d.ticks[0];
  assert.ok(clock(tick.sec * 1000, 'Asia/Kolkata').startsWith(tick.label), `local tick ${tick.label} at ${tick.sec}`);
  assert.ok((await page.evaluate((s) => tailcast.histTip(s), sec0)).includes(clock(t0, 'Asia/Kolkata')), 'tooltip in local time');
  await page.click('#tz');
  await until(page, () => document.getElementById('tz').textContent === 'UTC', null, { what: 'UTC' });
  assert.ok((await page.evaluate((s) => tailcast.histTip(s), sec0)).includes(clock(t0, 'UTC') + ' UTC'), 'tooltip in UTC');
  const utcTick = (await page.evaluate(() => tailcast.histDrawn())).ticks[0];
  assert.ok(clock(utcTick.sec * 1000, 'UTC').startsWith(utcTick.label), `UTC tick ${utcTick.label}`);

  // A click on the bar lands on that bar's time.
  await page.evaluate((s) => {
    const x = tailcast.histDrawn().bars[s].x;
    const c = document.getElementById('hist');
    const r = c.getBoundingClientRect();
    c.dispatchEvent(new MouseEvent('click', { bubbles: true, clientX: r.left + x, clientY: r.top + 30 }));
  }, sec0);
  await until(page, (m) => !tailcast.following && tailcast.screen()[0] === `${m} 0`, mark, { what: 'the bar\'s first line on top' });
  await page.close();
});

test('item 13: on a phone an open row gives values and stack traces the width', async () => {
  const page = await open('', { viewport: { width: 390, height: 760 }, isMobile: true, hasTouch: true });
  const t = tok('phone');
  const stack = ['java.lang.IllegalStateException: connection pool exhausted after 30000 ms waiting for a free connection',
    ...Array.from({ length: 6 }, (_, i) => `\tat com.example.db.Pool.acquire(Pool.java:${100 + i}) with a long frame description`)].join('\n');
  appendLines(logFile, [JSON.stringify({ level: 'error', msg: `${t} ${stack}`, request_id: '7f3a9c2e-51d4-4b2a-9c1e-0d2f3a4b5c6d', error: 'upstream timed out while reading the response headers from the payment provider' })]);
  await has(page, t);
  await page.locator('.row', { hasText: t }).locator('.msg').click({ position: { x: 5, y: 5 } });
  await page.locator('.row.open dd').first().waitFor();
  const w = await page.evaluate(() => {
    const row = document.querySelector('.row.open');
    return {
      msg: row.querySelector('.msg').getBoundingClientRect().width,
      dds: [...row.querySelectorAll('dd')].map((d) => d.getBoundingClientRect().width),
      overflow: document.documentElement.scrollWidth - innerWidth,
    };
  });
  assert.ok(w.msg >= 330, `message ${w.msg}px wide of 390`);
  assert.ok(w.dds.every((x) => x >= 300), `field values ${w.dds} px wide of 390`);
  assert.ok(w.overflow <= 0, `page wider than the phone by ${w.overflow}px`);
  await page.close();
});
