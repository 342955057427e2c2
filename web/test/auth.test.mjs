// The viewer against a `tailcast run --token`: a token in the page URL or
// typed at the prompt gets a working viewer, leaves the address bar and is
// kept for the tab; and the production page exposes no test hooks.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Server, tempDir, appendLines, line, launch, newPage, until, waitFor } from './harness.mjs';

const TOKEN = 's3cret-' + Math.random().toString(36).slice(2, 8);
let server, browser, logFile;

before(async () => {
  const logDir = tempDir('logs');
  logFile = path.join(logDir, 'app.log');
  fs.writeFileSync(logFile, Array.from({ length: 20 }, (_, i) => line('info', `seed ${i}`)).join('\n') + '\n');
  server = await new Server({ logDir, dataDir: tempDir('data'), extraArgs: ['--token', TOKEN] }).start();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function sees(page, text) {
  appendLines(logFile, [line('warn', text)]);
  await until(page, (t) => tailcast.entries().some((e) => e.msg.includes(t)), text, { what: text });
}

test('?token= in the page URL: live, out of the address bar, kept for the tab', async () => {
  const page = await newPage(browser);
  await page.goto(server.url + '?token=' + encodeURIComponent(TOKEN) + '&level=info');
  await until(page, () => window.tailcast && tailcast.state === 'live', null, { what: 'live' });
  await sees(page, 'after token in URL');
  const search = await page.evaluate(() => location.search);
  assert.equal(search, '?level=info', 'token left the address bar, the filter stays');
  assert.equal(await page.evaluate(() => sessionStorage.getItem('tailcast.token')), TOKEN);
  assert.equal(new URL(page.sockets[0]).searchParams.get('token'), TOKEN, 'the websocket carries it');
  assert.equal(await page.isHidden('#auth'), true, 'no prompt');
  // A reload (same tab) connects again without the token in the URL.
  await page.reload();
  await until(page, () => window.tailcast && tailcast.state === 'live', null, { what: 'live after reload' });
  assert.equal(await page.evaluate(() => location.search), '?level=info');
  await page.close();
});

test('no token: a prompt; a wrong token is refused; the right one connects', async () => {
  const page = await newPage(browser);
  await page.goto(server.url);
  await page.waitForSelector('#auth', { state: 'visible', timeout: 20000 });
  assert.equal(await page.evaluate(() => tailcast.state), 'locked');
  assert.match(await page.textContent('#conn-text'), /access token required/);
  // Locked means no retry loop: the socket count stays put while it waits
  // (checked again below, after a round trip through the prompt).
  const lockedSockets = page.sockets.length;

  await page.fill('#auth-token', 'wrong');
  await page.press('#auth-token', 'Enter');
  await until(page, (n) => tailcast.state === 'locked' && !document.getElementById('auth').hidden &&
    document.getElementById('auth-why').textContent.includes('refused'), null, { what: 'refused prompt' });
  assert.equal(page.sockets.length, lockedSockets + 1, 'one attempt per token typed');
  assert.equal(await page.evaluate(() => sessionStorage.getItem('tailcast.token')), null, 'a refused token is forgotten');

  await page.fill('#auth-token', TOKEN);
  await page.click('#auth button[type=submit]');
  await until(page, () => tailcast.state === 'live', null, { what: 'live' });
  assert.equal(await page.isHidden('#auth'), true);
  await sees(page, 'after typed token');
  assert.ok(!(await page.evaluate(() => location.href)).includes(TOKEN), 'token never in the address bar');
  assert.equal(await page.evaluate(() => sessionStorage.getItem('tailcast.token')), TOKEN);
  await page.close();
});

test('the production page exposes no test hooks', async () => {
  const page = await newPage(browser, { hooks: false });
  await page.goto(server.url + '?token=' + encodeURIComponent(TOKEN));
  await waitFor(async () => (await page.getAttribute('#conn', 'data-state')) === 'live', { what: 'live' });
  assert.equal(await page.evaluate(() => typeof window.tailcast), 'undefined');
  await page.close();
});
