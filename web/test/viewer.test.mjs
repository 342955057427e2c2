// The viewer against a real `tailcast run`: lines appended to a file reach
// the page, filters reach the server, pause/resume, permalinks, actions.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  Server, tempDir, appendLines, line, launch, newPage, until, screenshot, messages, loghub,
} from './harness.mjs';

let server, browser, logDir, logFile;
let seq = 0;
const tok = (name) => `tok-${name}-${++seq}-${Math.random().toString(36).slice(2, 8)}`;

before(async () => {
  logDir = tempDir('logs');
  logFile = path.join(logDir, 'app.log');
  const seed = loghub('HDFS', 200);
  fs.writeFileSync(logFile, seed.join('\n') + '\n');
  server = await new Server({ logDir, dataDir: tempDir('data') }).start();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function open(query = '', opts) {
  const page = await newPage(browser, opts);
  await page.goto(server.url + query);
  await until(page, () => window.tailcast && tailcast.state === 'live', null, { what: 'live' });
  return page;
}

// sentinel appends a line that passes the filter under test and waits for it:
// lines of the same file stay in order, so anything appended before it that
// the filter should have let through has arrived by then. The protocol does
// not acknowledge a filter message, so a sentinel can overtake the filter it
// tests on a loaded machine: it is appended again until one arrives.
async function sentinel(page, level = 'error', text = '') {
  const t = tok('sentinel');
  for (let i = 0; ; i++) {
    appendLines(logFile, [line(level, `${text} ${t}-${i}`.trim())]);
    try {
      await until(page, (m) => tailcast.entries().some((e) => e.msg.includes(m)), t, { what: `sentinel ${t}`, timeout: 2000 });
      return;
    } catch (e) {
      if (i >= 9) throw e;
    }
  }
}

function noProblems(page) {
  assert.deepEqual(page.problems, [], 'console errors, page errors or CSP violations');
}

test('appended lines appear, in order, with level colours', async () => {
  const page = await open();
  assert.match(page.sockets[0], /\/ws\?backfill=1000$/, 'websocket URL');
  const toks = ['info', 'warn', 'error', 'debug'].map((l) => [l, tok(l)]);
  appendLines(logFile, toks.map(([l, t]) => line(l, `appended ${t}`)));
  await until(page, (t) => {
    const m = tailcast.entries().map((e) => e.msg).join('\n');
    return t.every((x) => m.includes(x));
  }, toks.map(([, t]) => t), { what: 'appended lines' });

  const got = (await page.evaluate(() => tailcast.entries())).filter((e) => e.msg.includes('tok-'));
  assert.deepEqual(got.map((e) => e.level), ['info', 'warn', 'error', 'debug'], 'levels in order');
  // On screen (following), in order, and coloured by level.
  const screen = await page.evaluate(() => tailcast.screen());
  const idx = toks.map(([, t]) => screen.findIndex((s) => s.includes(t)));
  assert.ok(idx.every((i) => i >= 0), `got screen without every appended line: ${JSON.stringify(idx)}`);
  assert.deepEqual([...idx].sort((a, b) => a - b), idx, 'screen order');
  const errRow = page.locator('.row.lv-error', { hasText: toks[2][1] });
  const color = await errRow.locator('.lv').evaluate((el) => getComputedStyle(el).color);
  const infoColor = await page.locator('.row.lv-info', { hasText: toks[0][1] }).locator('.lv').evaluate((el) => getComputedStyle(el).color);
  assert.notEqual(color, infoColor, 'error and info level colours differ');
  assert.equal(await page.locator('#conn').getAttribute('data-state'), 'live');
  assert.equal(await page.evaluate(() => tailcast.duplicates), 0);
  noProblems(page);
  await page.close();
});

test('filters from the URL reach the server', async () => {
  const needle = tok('needle');
  const page = await open(`?level=error&q=${needle}`);
  const ws = new URL(page.sockets[0]);
  assert.equal(ws.pathname, '/ws');
  assert.equal(ws.searchParams.get('level'), 'error');
  assert.equal(ws.searchParams.get('q'), needle);
  assert.equal(await page.inputValue('#f-level'), 'error');
  assert.equal(await page.inputValue('#f-q'), needle);

  const info = `info ${needle} A`, errNo = `error without it ${tok('x')}`, errYes = `error ${needle.toUpperCase()} B`;
  appendLines(logFile, [line('info', info), line('error', errNo), line('error', errYes)]);
  const last = `${needle} sentinel`;
  appendLines(logFile, [line('fatal', last)]);
  await until(page, (m) => tailcast.entries().some((e) => e.msg.includes(m)), last, { what: 'sentinel' });
  const msgs = await messages(page);
  assert.ok(msgs.some((m) => m.includes(errYes)), 'error line with the text (any case) arrives');
  assert.ok(!msgs.some((m) => m.includes(info)), `info line passed level=error: ${msgs}`);
  assert.ok(!msgs.some((m) => m.includes(errNo)), 'line without the text passed q');
  noProblems(page);
  await page.close();
});

test('filters from the UI: sent as a filter message, kept in the URL', async () => {
  const page = await open();
  const before1 = tok('before');
  appendLines(logFile, [line('info', before1)]);
  await until(page, (m) => tailcast.entries().some((e) => e.msg.includes(m)), before1, { what: 'first line' });

  await page.selectOption('#f-level', 'warn');
  await until(page, () => tailcast.stats.filtersSent === 1 && location.search === '?level=warn', null, { what: 'filter sent, URL updated' });
  assert.equal(page.sockets.length, 1, 'filter change must not reconnect');
  // Rows loaded under the old filter that fail the new one are hidden.
  const vis = await messages(page, { visible: true });
  assert.ok(!vis.some((m) => m.includes(before1)), 'old info row still visible after level=warn');
  assert.ok((await page.evaluate(() => tailcast.markers())).some((m) => m.kind === 'info' && m.text.includes('level≥warn')), 'filter marker');

  await sentinel(page, 'warn'); // the server applies level=warn from here on
  const infoA = tok('infoA'), warnB = tok('warnB');
  appendLines(logFile, [line('info', infoA), line('warn', warnB)]);
  await sentinel(page, 'warn');
  let msgs = await messages(page);
  assert.ok(msgs.some((m) => m.includes(warnB)), 'warn line arrives');
  assert.ok(!msgs.some((m) => m.includes(infoA)), 'info line was sent by the server after level=warn');

  // "/" focuses the text filter; typing filters on the server too.
  await page.locator('body').click({ position: { x: 5, y: 300 } });
  await page.keyboard.press('/');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'f-q');
  const word = tok('word');
  await page.keyboard.type(word);
  await page.keyboard.press('Enter');
  await until(page, (w) => tailcast.stats.filtersSent === 2 && new URLSearchParams(location.search).get('q') === w, word, { what: 'q in URL' });
  await sentinel(page, 'warn', word); // the server applies q from here on
  const hit = `warn ${word} yes`, miss = `warn ${tok('miss')} no`;
  appendLines(logFile, [line('warn', miss), line('warn', hit), line('error', `${word} sentinel`)]);
  await until(page, (w) => tailcast.entries().some((e) => e.msg.includes(w + ' sentinel')), word, { what: 'q sentinel' });
  msgs = await messages(page);
  assert.ok(msgs.some((m) => m.includes(hit)));
  assert.ok(!msgs.some((m) => m.includes(miss)), 'line without the text passed the UI text filter');
  // The row shows the match marked.
  assert.equal(await page.locator('.row mark', { hasText: word }).first().textContent(), word);

  // A shared URL opens the same view.
  const shared = await newPage(browser);
  await shared.goto(page.url());
  await until(shared, () => window.tailcast && tailcast.state === 'live', null, { what: 'live' });
  const ws = new URL(shared.sockets[0]);
  assert.equal(ws.searchParams.get('level'), 'warn');
  assert.equal(ws.searchParams.get('q'), word);
  await shared.close();

  // An invalid regex goes to the server, which judges it (RE2): its refusal
  // shows next to the field, in plain words, and the view keeps the filter
  // the server still applies.
  await page.fill('#f-re', '(unclosed');
  await page.keyboard.press('Enter');
  await until(page, () => !document.getElementById('f-error').hidden, null, { what: 'refusal shown' });
  assert.equal(await page.evaluate(() => tailcast.stats.filtersSent), 3);
  assert.match(await page.textContent('#f-error'), /^Not a valid regular expression: missing closing \)/);
  assert.equal(await page.evaluate(() => document.getElementById('f-re').validity.valid), false);
  assert.equal(await page.inputValue('#f-re'), '(unclosed', 'the typed text stays, to be corrected');
  assert.equal(new URLSearchParams(await page.evaluate(() => location.search)).get('re'), null, 'URL: the filter in force');
  assert.equal(await page.evaluate(() => tailcast.filter.re), '');
  await page.close();
});

test('service filter and highlight-only mode', async () => {
  const page = await open();
  await until(page, () => tailcast.entries().length > 0, null, { what: 'backfill' });
  const service = await page.evaluate(() => tailcast.entries().at(-1).service);
  assert.ok(service, 'entries carry a service');
  await page.fill('#f-service', 'no-such-service');
  await page.keyboard.press('Enter');
  await until(page, () => tailcast.stats.filtersSent === 1, null, { what: 'service filter sent' });
  // Rows already loaded are filtered in the page at once.
  assert.equal((await messages(page, { visible: true })).length, 0, 'rows of other services still visible');
  await page.fill('#f-service', service);
  await page.keyboard.press('Enter');
  await until(page, () => tailcast.stats.filtersSent === 2, null, { what: 'service filter sent' });
  // The rows come back from the page's buffer, or from the server's refill
  // for the new filter when the empty one for no-such-service replaced it.
  await until(page, () => tailcast.entries({ visible: true }).length > 0, null, { what: 'rows of the service shown again' });
  // The server lets the service through (lines of one file share a service).
  await sentinel(page);
  assert.equal(await page.evaluate(() => new URLSearchParams(location.search).get('service')), service);

  const needle = tok('hl');
  const hl = await open(`?q=${needle}&hl=1`);
  assert.equal(new URL(hl.sockets[0]).searchParams.get('q'), null, 'highlight-only must not send q');
  const a = `alpha ${needle}`, b = `beta ${tok('plain')}`;
  appendLines(logFile, [line('info', a), line('info', b)]);
  await until(hl, (t) => tailcast.entries({ visible: true }).some((e) => e.msg.includes(t)), b, { what: 'both lines' });
  assert.ok((await messages(hl, { visible: true })).some((m) => m.includes(a)));
  assert.equal(await hl.locator('.row.hit', { hasText: needle }).count(), 1, 'matching row marked');
  assert.equal(await hl.locator('.row.hit', { hasText: b }).count(), 0, 'other row not marked');
  noProblems(page);
  noProblems(hl);
  await hl.close();
  await page.close();
});

test('pause on scroll up, count new lines, back to live', async () => {
  const page = await open();
  appendLines(logFile, Array.from({ length: 150 }, (_, i) => line('info', `filler ${i} ${tok('fill')}`)));
  const lastFill = tok('lastfill');
  appendLines(logFile, [line('info', lastFill)]);
  await until(page, (t) => tailcast.screen().some((s) => s.includes(t)), lastFill, { what: 'filled' });
  assert.equal(await page.evaluate(() => tailcast.following), true);

  await page.mouse.move(640, 500);
  await page.mouse.wheel(0, -800);
  await until(page, () => !tailcast.following, null, { what: 'paused by scroll' });
  await until(page, () => !document.getElementById('live').hidden, null, { what: 'live button' });
  const top = await page.evaluate(() => tailcast.screen()[0]);

  const newer = Array.from({ length: 40 }, () => tok('new'));
  appendLines(logFile, newer.map((t) => line('info', t)));
  await until(page, (t) => tailcast.entries().some((e) => e.msg.includes(t)), newer.at(-1), { what: 'new lines' });
  await until(page, () => tailcast.newWhilePaused >= 40 && document.getElementById('new-count').textContent === String(tailcast.newWhilePaused), null, { what: 'counter' });
  assert.equal(await page.evaluate(() => tailcast.screen()[0]), top, 'view moved while paused');
  assert.ok(!(await page.evaluate(() => tailcast.screen().join('\n'))).includes(newer.at(-1)), 'newest line on screen while paused');

  await page.click('#live');
  await until(page, (t) => tailcast.following && tailcast.screen().some((s) => s.includes(t)), newer.at(-1), { what: 'back to live' });
  assert.equal(await page.locator('#live').isHidden(), true);

  // Keyboard: space pauses and resumes, End goes back to live.
  await page.evaluate(() => document.activeElement.blur());
  await page.keyboard.press(' ');
  assert.equal(await page.evaluate(() => tailcast.following), false, 'space pauses');
  await page.keyboard.press(' ');
  assert.equal(await page.evaluate(() => tailcast.following), true, 'space resumes');
  await page.keyboard.press(' ');
  await page.keyboard.press('End');
  assert.equal(await page.evaluate(() => tailcast.following), true, 'End goes live');
  // Only the visible rows are in the DOM.
  const { rendered, size } = await page.evaluate(() => ({ rendered: tailcast.rendered, size: tailcast.size }));
  assert.ok(size > 150 && rendered < 60, `rendered ${rendered} rows for ${size} entries`);
  noProblems(page);
  await page.close();
});

test('following: a new line fills one row and leaves the others alone', async () => {
  const page = await open();
  const fill = Array.from({ length: 60 }, () => tok('keyed'));
  appendLines(logFile, fill.map((t) => line('info', t)));
  await until(page, (t) => tailcast.screen().some((s) => s.includes(t)), fill.at(-1), { what: 'a full screen' });
  // Record every change to the rows from here on.
  await page.evaluate(() => {
    window.__changed = new Set();
    window.__moved = new Set();
    const track = document.getElementById('track');
    new MutationObserver((ms) => {
      for (const m of ms) {
        const row = (m.target.nodeType === 1 ? m.target : m.target.parentElement).closest('.row');
        if (!row) continue;
        if (m.type === 'attributes' && m.target === row && m.attributeName === 'style') window.__moved.add(row);
        else window.__changed.add(row);
      }
    }).observe(track, { subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ['style', 'class'] });
  });
  const one = tok('one');
  appendLines(logFile, [line('warn', one)]);
  await until(page, (t) => tailcast.screen().at(-1).includes(t), one, { what: 'the new line at the bottom' });
  const got = await page.evaluate(() => ({
    changed: [...window.__changed].map((r) => r.querySelector('.msg').textContent),
    moved: window.__moved.size, rows: tailcast.rendered,
  }));
  assert.ok(got.rows > 20, `got ${got.rows} rows on screen`);
  assert.equal(got.changed.length, 1, `rows refilled: ${JSON.stringify(got.changed)}`);
  assert.ok(got.changed[0].includes(one), `got ${got.changed[0]} refilled, want the new line`);
  assert.ok(got.moved <= 1, `got ${got.moved} rows moved, want only the new one (the container scrolls)`);
  noProblems(page);
  await page.close();
});

test('multiline entries, structured fields, time zones', async () => {
  const page = await open('', { timezoneId: 'Asia/Kolkata' });
  const trace = tok('trace');
  const when = new Date(Date.UTC(2026, 10, 22, 19, 24, 37, 123));
  appendLines(logFile, [
    line('error', `java.lang.IllegalStateException: ${trace}`, when),
    '\tat com.example.Billing.charge(Billing.java:42)',
    '\tat com.example.Api.handle(Api.java:17)',
    '\tat java.base/java.lang.Thread.run(Thread.java:1583)',
  ]);
  const json = tok('json');
  appendLines(logFile, [JSON.stringify({ level: 'warn', msg: `json ${json}`, order: 'A-17', amount: 12.5 })]);
  await until(page, (t) => tailcast.entries().some((e) => e.msg.includes(t)), json, { what: 'json line' });

  const e = (await page.evaluate(() => tailcast.entries())).find((x) => x.msg.includes(trace));
  assert.ok(e, 'stack trace entry');
  assert.equal(e.msg.split('\n').length, 4, `stack trace as one entry: ${JSON.stringify(e.msg)}`);
  const row = page.locator('.row', { hasText: trace });
  assert.equal(await row.evaluate((el) => el.getBoundingClientRect().height), 80, 'four lines tall');

  // Times: local (UTC+05:30) by default, UTC after the toggle.
  assert.equal(await row.locator('.ts').textContent(), '11-23 00:54:37.123');
  await page.click('#tz');
  await until(page, (t) => [...document.querySelectorAll('.row')].some((r) => r.textContent.includes(t) && r.querySelector('.ts').textContent === '11-22 19:24:37.123'), trace, { what: 'UTC time' });

  // Fields expand on click.
  const jrow = page.locator('.row', { hasText: json });
  assert.match(await jrow.locator('.badges').textContent(), /\{\d+\}/);
  await jrow.locator('.msg').click();
  await until(page, () => document.querySelector('.row.open dl.fields') !== null, null, { what: 'expanded fields' });
  const fields = await page.locator('.row.open dl.fields').textContent();
  assert.match(fields, /order/);
  assert.match(fields, /A-17/);
  // Expanding the bottom row scrolls it fully into view.
  await until(page, () => {
    const r = document.querySelector('.row.open').getBoundingClientRect();
    const v = document.getElementById('scroller').getBoundingClientRect();
    return r.top >= v.top - 1 && r.bottom <= v.bottom + 1 && r.height > 40;
  }, null, { what: 'expanded row fully visible' });
  await screenshot(page, 'expanded');
  noProblems(page);
  await page.close();
});

test('permalink opens the line with context', async () => {
  const page = await open();
  const toks = Array.from({ length: 30 }, () => tok('ctx'));
  appendLines(logFile, toks.map((t) => line('info', t)));
  await until(page, (t) => tailcast.entries().some((e) => e.msg.includes(t)), toks.at(-1), { what: 'context lines' });
  const target = await page.evaluate((t) => tailcast.entries().find((e) => e.msg.includes(t)), toks[20]);
  const link = await page.evaluate((c) => tailcast.permalink(c), target.cursor);
  assert.match(link, /[?&]since=[^&#]+/);
  assert.ok(link.endsWith('#cursor=' + encodeURIComponent(target.cursor)), link);

  // Newer lines, so the target is not simply at the bottom.
  appendLines(logFile, Array.from({ length: 100 }, () => line('info', tok('after'))));
  const p2 = await newPage(browser);
  await p2.goto(link);
  await until(p2, () => window.tailcast && tailcast.target.found, null, { what: 'target found' });
  await until(p2, (t) => document.querySelector('.row.target')?.textContent.includes(t), toks[20], { what: 'target row on screen' });
  const st = await p2.evaluate(() => ({ following: tailcast.following, screen: tailcast.screen() }));
  assert.equal(st.following, false, 'a permalink opens paused');
  assert.ok(st.screen.some((s) => s.includes(toks[19])), 'line before the target shown');
  assert.ok(st.screen.some((s) => s.includes(toks[21])), 'line after the target shown');
  const box = await p2.locator('.row.target').boundingBox();
  const vh = await p2.evaluate(() => document.getElementById('scroller').getBoundingClientRect());
  assert.ok(box.y > vh.top && box.y + box.height < vh.bottom, 'target row inside the viewport');
  noProblems(p2);
  await p2.close();
  await page.close();
});

test('copy a line, download NDJSON, bounded buffer', async () => {
  const page = await open('?max=1000');
  assert.equal(await page.evaluate(() => tailcast.capacity), 1000);
  const toks = Array.from({ length: 1200 }, () => tok('many'));
  // The last line with trailing blanks: copy and download keep the line as
  // written, which the parsed message does not.
  const written = toks.map((t) => line('info', t));
  written[written.length - 1] += '   ';
  appendLines(logFile, written);
  await until(page, (t) => tailcast.entries().some((e) => e.msg.includes(t)), toks.at(-1), { what: 'all lines' });
  assert.equal(await page.evaluate(() => tailcast.size), 1000, 'ring keeps max rows');
  assert.equal(new URL(page.url()).searchParams.get('max'), '1000', 'max kept in the URL');

  const row = page.locator('.row', { hasText: toks.at(-1) });
  await row.hover();
  await row.locator('.copy').click();
  const copied = await page.evaluate(() => tailcast.stats.lastCopied);
  assert.equal(copied, written.at(-1), 'copy: the line as written');

  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
  assert.match(dl.suggestedFilename(), /^tailcast-.*\.ndjson$/);
  const text = fs.readFileSync(await dl.path(), 'utf8');
  const objs = text.trim().split('\n').map((l) => JSON.parse(l));
  const entries = objs.filter((o) => o.type === 'entry');
  assert.equal(entries.length, await page.evaluate(() => tailcast.entries().length));
  assert.equal(entries.at(-1).msg.includes(toks.at(-1)), true);
  assert.equal(entries.at(-1).line, written.at(-1), 'download: the line as written');
  assert.ok(entries.every((o) => o.cursor && o.ts && o.level), 'protocol entry objects');
  noProblems(page);
  await page.close();
});

test('rate histogram: a click jumps to that second', async () => {
  const page = await open();
  await until(page, () => tailcast.entries().length >= 1000, null, { what: 'backfill' });
  appendLines(logFile, Array.from({ length: 20 }, () => line('warn', tok('hist'))));
  await until(page, () => tailcast.histogram().length >= 1, null, { what: 'buckets' });
  // The oldest second drawn: clicking its bar shows its first row on top.
  const first = await page.evaluate(() => {
    const d = tailcast.histDrawn();
    const sec = Math.min(...Object.keys(d.bars).map(Number));
    const b = tailcast.histogram().find((x) => x.sec === sec);
    const c = document.getElementById('hist');
    const r = c.getBoundingClientRect();
    c.dispatchEvent(new MouseEvent('click', { bubbles: true, clientX: r.left + d.bars[sec].x, clientY: r.top + 30 }));
    return b.firstSeq;
  });
  await until(page, (s) => !tailcast.following && tailcast.screen()[0] === tailcast.rowText(s), first, { what: 'jump to the second' });
  noProblems(page);
  await page.close();
});

test('screenshots: dark, light, narrow', async () => {
  appendLines(logFile, [
    line('error', 'payment failed: upstream timeout after 3 retries order=A-17'),
    line('warn', 'slow query on orders (1.2s)'),
    line('debug', 'cache miss key=user:42'),
    JSON.stringify({ level: 'info', msg: 'checkout complete', order: 'A-17', amount: 12.5 }),
  ]);
  for (const [scheme, width, name] of [['dark', 1280, 'viewer-dark'], ['light', 1280, 'viewer-light'], ['dark', 390, 'viewer-narrow']]) {
    const page = await open('', { colorScheme: scheme, viewport: { width, height: 760 } });
    await until(page, () => tailcast.screen().some((s) => s.includes('checkout complete')), null, { what: 'lines' });
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const dark = bg === 'rgb(13, 17, 23)';
    assert.equal(dark, scheme === 'dark', `${scheme} background ${bg}`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - innerWidth);
    assert.ok(overflow <= 0, `${name}: page wider than the screen by ${overflow}px`);
    await screenshot(page, name);
    noProblems(page);
    await page.close();
  }
});
