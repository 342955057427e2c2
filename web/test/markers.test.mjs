// The markers the viewer shows inline when the stream is not complete, each
// produced for real against a `tailcast run`:
//   - dropped: a page that stops reading while lines pour in overflows its
//     small server-side queue (--queue-bytes 4096), and the server skips
//     entries for it;
//   - gap: a since= cursor older than both the server's memory
//     (--ring-entries 20) and Kafka's log start (records deleted with Kafka
//     DeleteRecords, as retention would);
//   - a permalink to such a line says it is gone instead of waiting.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  Server, tempDir, appendLines, line, launch, newPage, until, waitFor, screenshot, deleteRecords,
} from './harness.mjs';

let server, browser, logFile;

before(async () => {
  const logDir = tempDir('markers');
  logFile = path.join(logDir, 'm.log');
  fs.writeFileSync(logFile, '');
  server = await new Server({
    logDir, dataDir: tempDir('markersdata'),
    // --kafka-allow-admin: the gap test plays retention with DeleteRecords.
    extraArgs: ['--queue-bytes', '4096', '--slow-timeout', '60s', '--ring-entries', '20', '--kafka-allow-admin'],
  }).start();
  assert.match(server.kafka, /^127\.0\.0\.1:\d+$/, 'kafka address printed by tailcast run');
  browser = await launch();
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

const onScreen = (page, kind) => page.locator(`.row.marker.m-${kind}:not([hidden])`).first().textContent({ timeout: 20000 });

test('dropped: a viewer that stops reading is told how many entries it missed', async () => {
  const page = await open();
  const first = `first ${Date.now()}`;
  appendLines(logFile, [line('info', first)]);
  await until(page, (m) => tailcast.entries().some((e) => e.msg.includes(m)), first, { what: 'first line' });

  // Block the page's main thread in slices while 1 KiB lines pour in: the
  // browser stops reading the socket and the server's 4 KiB queue for this
  // client overflows. (With a queue this small the server also drops during
  // bursts of 100 lines for a page that reads; the blocking makes sure this
  // page is slow as well. An entry bigger than the queue would be dropped
  // even for a fast reader: these are not.)
  const pad = 'x'.repeat(1000);
  let written = 0;
  const writer = (async () => {
    for (let i = 0; i < 100; i++) {
      appendLines(logFile, Array.from({ length: 100 }, (_, j) => line('info', `bulk ${i * 100 + j} ${pad}`)));
      written += 100;
      await new Promise((r) => setTimeout(r, 20)); // pacing the writer, not synchronisation
    }
  })();
  await waitFor(async () => {
    await page.evaluate(() => { const end = performance.now() + 1000; while (performance.now() < end) { /* busy: not reading */ } });
    return (await server.metric('tailcast_pusher_dropped_entries_total')) > 0;
  }, { timeout: 60000, interval: 0, what: 'the server to drop entries for the blocked page' });
  await writer;
  // Every bulk line either arrives or is counted as dropped.
  await until(page, (n) => tailcast.entries().filter((e) => e.msg.startsWith('bulk ')).length + tailcast.stats.droppedCount >= n,
    written, { timeout: 60000, what: `${written} bulk lines received or dropped` });
  const last = `last ${Date.now()}`;
  appendLines(logFile, [line('warn', last)]);
  await until(page, (m) => tailcast.entries().some((e) => e.msg.includes(m)), last, { timeout: 30000, what: 'a line after the drop' });

  const st = await page.evaluate(() => ({ stats: tailcast.stats, markers: tailcast.markers() }));
  assert.ok(st.stats.droppedCount > 0, `got dropped count ${st.stats.droppedCount}, want > 0`);
  const dropped = st.markers.filter((m) => m.kind === 'dropped');
  assert.ok(dropped.length >= 1 && dropped.length <= st.stats.dropped, `got ${dropped.length} markers for ${st.stats.dropped} dropped messages`);
  const n = dropped.reduce((a, m) => a + Number(m.text.match(/skipped ([\d,]+)/)[1].replace(/,/g, '')), 0);
  assert.equal(n, st.stats.droppedCount, 'markers carry the counts');
  const bulk = await page.evaluate(() => tailcast.entries().filter((e) => e.msg.startsWith('bulk ')).length);
  assert.equal(bulk + st.stats.droppedCount, written, `got ${bulk} received + ${st.stats.droppedCount} dropped, want ${written}`);
  assert.ok(bulk > 0, 'some bulk lines arrived: entries were dropped for slowness, not for their size');
  // Inline, where the entries went missing: each marker sits between the
  // received lines around the hole and counts exactly the lines between them
  // (one file is one partition, so the order is the file's).
  const rows = await page.evaluate(() => [
    ...tailcast.entries().filter((e) => e.msg.startsWith('bulk ')).map((e) => ({ seq: e.seq, bulk: Number(e.msg.split(' ')[1]) })),
    ...tailcast.markers().filter((m) => m.kind === 'dropped').map((m) => ({ seq: m.seq, count: Number(m.text.match(/skipped ([\d,]+)/)[1].replace(/,/g, '')) })),
  ].sort((a, b) => a.seq - b.seq));
  let prev = -1, pending = 0;
  for (const r of [...rows, { bulk: written }]) {
    if (r.count !== undefined) { pending += r.count; continue; }
    assert.equal(pending, r.bulk - prev - 1, `dropped markers between bulk ${prev} and bulk ${r.bulk}`);
    prev = r.bulk; pending = 0;
  }
  // Visible: the marker row on screen, and the count in the header.
  await page.evaluate((s) => tailcast.show(s), dropped[0].seq);
  const text = await onScreen(page, 'dropped');
  assert.match(text, /^dropped: the server skipped [\d,]+ entries because this viewer read too slowly$/);
  await until(page, () => /[\d,]+ dropped/.test(document.getElementById('counts').textContent), null, { what: 'dropped in the header' });
  await screenshot(page, 'dropped');
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('gap: resuming from a cursor Kafka no longer has shows what was missed', async () => {
  const page = await open();
  // 40 lines: more than the server keeps in memory (20), written a few at a
  // time so that this server's tiny per-client queue drops none of them.
  const toks = Array.from({ length: 40 }, (_, i) => `gap-${i}-${Math.random().toString(36).slice(2, 8)}`);
  for (let i = 0; i < toks.length; i += 8) {
    appendLines(logFile, toks.slice(i, i + 8).map((t) => line('info', t)));
    await until(page, (t) => tailcast.entries().some((e) => e.msg.endsWith(t)), toks[i + 7], { what: 'gap lines' });
  }
  assert.equal(await page.evaluate(() => tailcast.stats.droppedCount), 0);
  const cursors = await page.evaluate((ts) => ts.map((t) => tailcast.entries().find((e) => e.msg.endsWith(t)).cursor), [toks[4], toks[5]]);
  await page.close();

  // Kafka forgets everything so far; the server's memory holds only the
  // last 20 entries per partition.
  const starts = await deleteRecords(server.kafka, 'logs', [0, 1, 2]);
  assert.ok(Object.values(starts).some((o) => o > 0), `log starts after DeleteRecords: ${JSON.stringify(starts)}`);
  const after1 = `after-gap-${Date.now()}`;
  appendLines(logFile, [line('warn', after1)]);

  const resumed = await open(`?since=${encodeURIComponent(cursors[0])}`);
  await until(resumed, (m) => tailcast.entries().some((e) => e.msg.endsWith(m)), after1, { what: 'line after the gap' });
  const st = await resumed.evaluate(() => ({ stats: tailcast.stats, markers: tailcast.markers() }));
  assert.equal(st.stats.gaps, 1, 'one gap');
  assert.ok(st.stats.missed > 0, `got missed ${st.stats.missed}, want > 0`);
  const text = await onScreen(resumed, 'gap');
  assert.equal(text, `gap: ${st.stats.missed.toLocaleString('en-US')} entries are no longer in Kafka and were missed`);
  await until(resumed, () => /[\d,]+ missed/.test(document.getElementById('counts').textContent), null, { what: 'missed in the header' });
  await screenshot(resumed, 'gap');
  assert.deepEqual(resumed.problems, []);
  await resumed.close();

  // A permalink to a line that is gone says so, and shows the nearest line
  // after it, instead of "Opening…" for ever.
  const link = await open(`?since=${encodeURIComponent(cursors[0])}#cursor=${encodeURIComponent(cursors[1])}`);
  await until(link, () => /no longer available/.test(document.getElementById('notice').textContent), null, { timeout: 20000, what: 'a "no longer available" notice' });
  const n = await link.evaluate(() => ({
    notice: document.getElementById('notice').textContent, hidden: document.getElementById('notice').hidden,
    target: tailcast.target, following: tailcast.following, screen: tailcast.screen(),
  }));
  assert.equal(n.hidden, false);
  assert.match(n.notice, /Kafka no longer has it\): showing from the nearest line after it\./);
  assert.equal(n.target.found, false);
  assert.equal(n.following, false, 'paused at the nearest line');
  assert.ok(n.screen[0].startsWith('gap:'), `got first row ${JSON.stringify(n.screen[0])}, want the gap marker`);
  await screenshot(link, 'permalink-gone');
  // Back to live clears the notice.
  await link.click('#live');
  assert.equal(await link.locator('#notice').isHidden(), true);
  assert.deepEqual(link.problems, []);
  await link.close();
});
