// A server restart: the viewer shows the lost connection, reconnects with
// backoff, and resumes with since=<last cursor>: every line exactly once.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { Server, tempDir, appendLines, line, launch, newPage, until, screenshot } from './harness.mjs';

let server, browser;
after(async () => {
  await browser?.close();
  await server?.stop();
});

test('reconnect after a server restart resumes with no duplicate and no loss', async () => {
  const logDir = tempDir('logs');
  const file = path.join(logDir, 'svc.log');
  const dataDir = tempDir('data');
  appendLines(file, [line('info', 'boot')]);
  server = await new Server({ logDir, dataDir }).start();
  browser = await launch();
  const page = await newPage(browser);
  await page.goto(server.url);
  await until(page, () => window.tailcast && tailcast.state === 'live', null, { what: 'live' });

  const batch = (name, n) => Array.from({ length: n }, (_, i) => `${name}-${i}-${Math.random().toString(36).slice(2, 8)}`);
  const has = (t) => until(page, (x) => tailcast.entries().some((e) => e.msg.endsWith(x)), t, { what: t });
  const before = batch('before', 50);
  appendLines(file, before.map((t) => line('info', t)));
  await has(before.at(-1));
  const lastCursor = await page.evaluate(() => tailcast.lastCursor);

  await server.stop();
  // The state is visible while the server is down.
  await until(page, () => tailcast.state === 'waiting' && /retry in \d+s/.test(document.getElementById('conn-text').textContent), null, { what: 'waiting state' });
  assert.ok(['waiting', 'connecting'].includes(await page.locator('#conn').getAttribute('data-state')), 'state shown');
  await screenshot(page, 'disconnected');
  const during = batch('during', 30);
  appendLines(file, during.map((t) => line('warn', t)));

  server = await new Server({ logDir, dataDir, listen: server.listen }).start();
  await has(during.at(-1));
  await until(page, () => tailcast.state === 'live', null, { what: 'live again' });
  const after1 = batch('after', 30);
  appendLines(file, after1.map((t) => line('error', t)));
  await has(after1.at(-1));

  // The reconnect resumed strictly after the last cursor received.
  const resumed = page.sockets.slice(1).map((u) => new URL(u).searchParams.get('since'));
  assert.ok(resumed.length >= 1, 'reconnected');
  assert.ok(resumed.every((s) => s === lastCursor), `got since=${resumed}, want ${lastCursor}`);

  const entries = await page.evaluate(() => tailcast.entries());
  const want = [...before, ...during, ...after1];
  const got = entries.map((e) => e.msg.split(' ').at(-1)).filter((m) => /^(before|during|after)-/.test(m));
  assert.deepEqual(got, want, 'every line exactly once, in order');
  assert.equal(new Set(entries.map((e) => e.cursor)).size, entries.length, 'distinct cursors');
  // Exact resume, not client-side de-duplication, is what kept it clean.
  assert.equal(await page.evaluate(() => tailcast.duplicates), 0, 'the server resent entries');
  assert.ok((await page.evaluate(() => tailcast.markers())).some((m) => m.text.startsWith('reconnected')), 'reconnect marker');
  assert.deepEqual(page.problems.filter((p) => !/WebSocket|ERR_CONNECTION_REFUSED|Failed to load resource/.test(p)), []);
});

test('a filter changed while disconnected: the reconnect starts over with it, no holes', async () => {
  const logDir = tempDir('logs');
  const file = path.join(logDir, 'svc.log');
  const dataDir = tempDir('data');
  const keep = `keep-${Math.random().toString(36).slice(2, 8)}`;
  appendLines(file, [line('info', `boot ${keep}`)]);
  await server?.stop();
  server = await new Server({ logDir, dataDir }).start();
  browser ??= await launch();
  const page = await newPage(browser);
  await page.goto(server.url + '?q=' + keep);
  await until(page, () => window.tailcast && tailcast.state === 'live', null, { what: 'live' });
  const has = (t) => until(page, (x) => tailcast.entries({ visible: true }).some((e) => e.msg.endsWith(x)), t, { what: t });
  const holes = Array.from({ length: 20 }, (_, i) => `hole-${i}-${Math.random().toString(36).slice(2, 8)}`);
  appendLines(file, [...holes.map((t) => line('info', t)), line('info', `sentinel ${keep}`)]);
  await has(`sentinel ${keep}`);
  assert.ok(!(await page.evaluate(() => tailcast.entries().some((e) => e.msg.startsWith('hole-')))), 'the filter hid the holes');

  await server.stop();
  await until(page, () => tailcast.state === 'waiting', null, { what: 'waiting' });
  await page.fill('#f-q', '');
  await page.press('#f-q', 'Enter');
  await until(page, () => location.search === '', null, { what: 'filter removed' });
  server = await new Server({ logDir, dataDir, listen: server.listen }).start();
  await until(page, () => tailcast.state === 'live', null, { what: 'live again' });
  const last = page.sockets.at(-1);
  const u = new URL(last);
  assert.equal(u.searchParams.get('since'), null, `got ${last}: a resume would keep the holes`);
  assert.equal(u.searchParams.get('q'), null);
  assert.equal(u.searchParams.get('backfill'), '1000');
  await until(page, (hs) => { const m = tailcast.entries({ visible: true }).map((e) => e.msg); return hs.every((h) => m.includes(h)); }, holes, { what: 'holes filled' });
  const entries = await page.evaluate(() => tailcast.entries());
  assert.equal(new Set(entries.map((e) => e.cursor)).size, entries.length, 'no duplicates');
  assert.deepEqual(entries.map((e) => e.msg).filter((m) => m.startsWith('hole-')), holes, 'each once, in order');
  await page.close();
});
