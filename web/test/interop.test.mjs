// An independent, non-Go client of the websocket protocol (node `ws`)
// against a real `tailcast run`: it checks what docs/protocol.md promises,
// from the wire, without any of tailcast's own client code.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import WebSocket from 'ws';
import { Server, tempDir, appendLines, line, waitFor } from './harness.mjs';

let server, logDir, wsBase;
const api = () => path.join(logDir, 'api.log');
const web = () => path.join(logDir, 'web.log');
const clients = [];

before(async () => {
  logDir = tempDir('interop-logs');
  appendLines(api(), [line('info', 'boot')]);
  appendLines(web(), [line('info', 'boot')]);
  server = await new Server({ logDir, dataDir: tempDir('interop-data') }).start();
  wsBase = server.url.replace(/^http/, 'ws') + 'ws';
});

after(async () => {
  for (const c of clients) c.ws.terminate();
  await server?.stop();
});

// Client records every object the server sends, split from text frames on
// "\n" as the protocol says, and every frame as it came.
class Client {
  constructor(query = '') {
    this.url = query ? `${wsBase}?${query}` : wsBase;
    this.msgs = [];
    this.frames = [];
    this.closed = null;
    this.ws = new WebSocket(this.url);
    clients.push(this);
    this.ws.on('message', (data, isBinary) => {
      const text = data.toString();
      this.frames.push({ text, isBinary });
      for (const l of text.split('\n')) if (l) this.msgs.push(JSON.parse(l));
    });
    this.ws.on('close', (code, reason) => { this.closed = { code, reason: reason.toString() }; });
    this.ws.on('error', (err) => { this.error = err; });
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', resolve);
      this.ws.once('error', reject);
      this.ws.once('unexpected-response', (req, res) => {
        let body = '';
        res.on('data', (b) => { body += b; });
        res.on('end', () => {
          req.destroy(); // with this listener, ending the refused handshake is ours to do
          reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode, body, headers: res.headers }));
        });
      });
    });
  }

  // ready resolves once the hello arrived: the server then sends this client
  // every entry it publishes.
  async ready() {
    await this.opened;
    await waitFor(() => this.msgs.length > 0, { what: `hello on ${this.url}` });
    return this;
  }

  // entries whose message contains tag, in arrival order.
  entries(tag) { return this.msgs.filter((m) => m.type === 'entry' && m.msg.includes(tag)); }
  texts(tag) { return this.entries(tag).map((m) => m.msg.split(' ').at(-1)); }
  of(type) { return this.msgs.filter((m) => m.type === type); }
  has(tag, what = tag) { return waitFor(() => this.entries(tag).length > 0, { what: `${what} on ${this.url}` }); }
  send(obj) { this.ws.send(typeof obj === 'string' ? obj : JSON.stringify(obj)); }
  close() {
    this.ws.close(1000);
    return waitFor(() => this.closed, { what: 'close' });
  }
}

const uniq = (name) => `${name}${Math.random().toString(36).slice(2, 8)}`;
const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'unknown'];
const ENTRY_KEYS = new Set(['type', 'cursor', 'ts', 'service', 'host', 'source', 'level', 'msg', 'line', 'line_bytes', 'fields', 'truncated', 'pattern', 'new']);

// barrier appends a line every filter under test lets through and waits for
// it on c: the server sends in one order to every client, so whatever was
// published before the barrier has been sent (or filtered out) by then.
async function barrier(c, file, level) {
  const tag = uniq('barrier-');
  appendLines(file, [line(level, tag)]);
  await c.has(tag);
}

test('hello first, then entries with the documented keys and types', async () => {
  const c = await new Client().ready();
  const hello = c.msgs[0];
  assert.equal(hello.type, 'hello');
  assert.ok(Number.isInteger(hello.version) && hello.version === 1, `got version ${hello.version}, want 1`);
  assert.equal(typeof hello.server, 'string');

  const tag = uniq('keys-');
  const when = new Date(Date.UTC(2026, 10, 22, 19, 24, 37, 123));
  appendLines(api(), [
    line('warn', `${tag} plain-1`, when),
    JSON.stringify({ time: '2026-11-22T19:24:38.123456789Z', level: 'error', msg: `${tag} json-2`, order: 'A-17', amount: 12.5 }),
    line('error', `${tag} trace-3`, when) + '\njava.lang.IllegalStateException: boom\n\tat a.B.c(B.java:1)',
    line('info', `${tag} after-4`, when),
  ]);
  await waitFor(() => c.entries(tag).length === 4, { what: `4 ${tag} entries, got ${c.entries(tag).length}` });
  const [plain, json, trace] = c.entries(tag);

  for (const e of c.entries(tag)) {
    for (const k of Object.keys(e)) assert.ok(ENTRY_KEYS.has(k), `undocumented key ${k} in ${JSON.stringify(e)}`);
    assert.equal(typeof e.cursor, 'string');
    assert.ok(e.cursor.length > 0, 'empty cursor');
    assert.match(e.ts, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/, 'ts: RFC 3339, nanoseconds, UTC');
    assert.equal(e.service, 'api');
    assert.equal(typeof e.host, 'string');
    assert.ok(e.host.length > 0, 'empty host');
    assert.equal(e.source, api());
    assert.ok(LEVELS.includes(e.level), `level ${e.level}`);
    assert.equal(e.truncated, undefined, 'truncated on a short line');
    assert.match(e.pattern, /^[0-9a-f]{16}$/, 'pattern: 16 hex digits');
  }
  assert.equal(plain.ts, '2026-11-22T19:24:37.123000000Z', 'event time parsed from the line');
  assert.equal(plain.level, 'warn');
  assert.equal(plain.msg, `${tag} plain-1`);
  assert.equal(plain.line, line('warn', `${tag} plain-1`, when), 'line: the line as written');
  assert.equal(plain.fields, undefined, 'fields omitted when empty');
  assert.equal(json.ts, '2026-11-22T19:24:38.123456789Z');
  assert.equal(json.level, 'error');
  assert.equal(json.line, JSON.stringify({ time: '2026-11-22T19:24:38.123456789Z', level: 'error', msg: `${tag} json-2`, order: 'A-17', amount: 12.5 }));
  assert.deepEqual(json.fields, { order: 'A-17', amount: 12.5 });
  assert.equal(trace.level, 'error');
  assert.match(trace.msg, /trace-3\njava\.lang\.IllegalStateException: boom\n\tat a\.B\.c/, 'a stack trace is one entry');
  assert.equal(new Set(c.msgs.filter((m) => m.type === 'entry').map((m) => m.cursor)).size, c.of('entry').length, 'distinct cursors');
  for (const f of c.frames) {
    assert.equal(f.isBinary, false, 'binary frame from the server');
    assert.ok(f.text.endsWith('\n'), `frame not ended by \\n: ${JSON.stringify(f.text.slice(-40))}`);
  }
});

test('query filter, then a filter message replaces it without reconnecting', async () => {
  const c = new Client('service=api&level=warn');
  const all = new Client(); // sees everything, to know what was published
  await Promise.all([c.ready(), all.ready()]);
  const tag = uniq('filt-');
  appendLines(api(), ['trace', 'debug', 'info', 'warn', 'error', 'fatal'].map((l) => line(l, `${tag} api-${l}`)));
  appendLines(api(), [`${tag} api-unknown`]);
  appendLines(web(), ['info', 'warn', 'error'].map((l) => line(l, `${tag} web-${l}`)));
  await waitFor(() => all.entries(tag).length === 10, { what: `10 entries on the unfiltered client, got ${all.texts(tag)}` });
  assert.deepEqual(all.entries(tag).map((e) => `${e.service}:${e.level}`).sort(), [
    ...['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'unknown'].map((l) => `api:${l}`),
    ...['info', 'warn', 'error'].map((l) => `web:${l}`),
  ].sort(), 'level names');
  await barrier(c, api(), 'error');
  // level=warn: warn and above; an entry of unknown level has no level to compare.
  assert.deepEqual(c.texts(tag), ['api-warn', 'api-error', 'api-fatal']);

  c.send({ type: 'filter', service: 'web', level: 'error' });
  // No acknowledgement exists: probe until the first entry only the new
  // filter lets through arrives; everything after it must match.
  const probe = uniq('probe-');
  await waitFor(() => {
    appendLines(web(), [line('error', `${probe} p`)]);
    return c.entries(probe).length > 0;
  }, { interval: 200, what: 'the new filter to apply' });
  const from = c.msgs.indexOf(c.entries(probe)[0]);
  const tag2 = uniq('filt2-');
  appendLines(api(), ['warn', 'error', 'fatal'].map((l) => line(l, `${tag2} api-${l}`)));
  appendLines(web(), ['info', 'warn', 'error', 'fatal'].map((l) => line(l, `${tag2} web-${l}`)));
  await waitFor(() => all.entries(tag2).length === 7, { what: 'tag2 on the unfiltered client' });
  await barrier(c, web(), 'error');
  assert.deepEqual(c.texts(tag2), ['web-error', 'web-fatal']);
  const after = c.msgs.slice(from).filter((m) => m.type === 'entry');
  assert.ok(after.every((e) => e.service === 'web' && ['error', 'fatal'].includes(e.level)), `after the filter message: ${JSON.stringify(after.map((e) => [e.service, e.level]))}`);
  assert.equal(c.closed, null, 'the filter change closed the connection');
  assert.equal(c.of('hello').length, 1, 'reconnected');
});

test('a bad filter message gets {"type":"error"} and keeps the old filter', async () => {
  const c = await new Client('service=web').ready();
  const all = await new Client().ready();
  for (const [i, bad] of [{ type: 'filter', level: 'loud' }, { type: 'filter', re: '(' }, { type: 'subscribe' }, 'not json'].entries()) {
    c.send(bad);
    await waitFor(() => c.of('error').length === i + 1, { what: `error for ${JSON.stringify(bad)}` });
    const e = c.of('error')[i];
    assert.deepEqual(Object.keys(e).sort(), ['error', 'type']);
    assert.equal(typeof e.error, 'string');
    assert.ok(e.error.length > 0, 'empty reason');
  }
  assert.match(c.of('error')[0].error, /level/);
  const tag = uniq('bad-');
  appendLines(api(), [line('error', `${tag} api`)]);
  appendLines(web(), [line('debug', `${tag} web`)]);
  await waitFor(() => all.entries(tag).length === 2, { what: 'both published' });
  await barrier(c, web(), 'info');
  assert.deepEqual(c.texts(tag), ['web'], 'the old filter (service=web, any level) still applies');
  assert.equal(c.closed, null);
});

test('resume with since= gets exactly the missed entries, then live', async () => {
  const c1 = await new Client('service=api').ready();
  const all = await new Client().ready();
  const tag = uniq('res-');
  const seen = Array.from({ length: 20 }, (_, i) => `seen-${i}`);
  appendLines(api(), seen.map((t) => line('info', `${tag} ${t}`)));
  await waitFor(() => c1.entries(tag).length === seen.length, { what: 'the first 20' });
  const cursor = c1.entries(tag).at(-1).cursor;
  assert.deepEqual(await c1.close(), { code: 1000, reason: '' });

  const missed = Array.from({ length: 30 }, (_, i) => `missed-${i}`);
  appendLines(api(), missed.map((t, i) => line(i % 2 ? 'warn' : 'info', `${tag} ${t}`)));
  appendLines(web(), [line('error', `${tag} web-not-wanted`)]);
  // Resume only once the server holds all of them, so that the test checks
  // the catch-up from the server's history, not the live stream.
  await waitFor(() => all.entries(tag).length === seen.length + missed.length + 1, { what: 'the missed entries published' });

  const c2 = await new Client(`service=api&since=${encodeURIComponent(cursor)}`).ready();
  await waitFor(() => c2.entries(tag).length >= missed.length, { what: `30 missed, got ${c2.texts(tag)}` });
  const live = ['live-0', 'live-1'];
  appendLines(api(), live.map((t) => line('info', `${tag} ${t}`)));
  await waitFor(() => c2.entries(tag).length >= missed.length + live.length, { what: 'live after the catch-up' });
  await barrier(c2, api(), 'info');
  assert.equal(c2.msgs[0].type, 'hello');
  assert.deepEqual(c2.of('gap'), [], 'gap although Kafka holds everything');
  assert.deepEqual(c2.texts(tag), [...missed, ...live], 'every missed entry exactly once, in order, then live');
  const cursors = c2.entries(tag).map((e) => e.cursor);
  assert.equal(new Set([cursor, ...cursors]).size, cursors.length + 1, 'a cursor repeated');
});

test('backfill=N sends the N most recent matching entries first', async () => {
  const tag = uniq('bf-');
  const all = await new Client().ready();
  appendLines(api(), Array.from({ length: 8 }, (_, i) => line('warn', `${tag} b-${i}`)));
  await waitFor(() => all.entries(tag).length === 8, { what: 'backfill lines published' });
  const c = await new Client('service=api&level=warn&backfill=3').ready();
  await waitFor(() => c.entries(tag).length === 3, { what: '3 backfilled' });
  assert.equal(c.msgs[0].type, 'hello');
  assert.deepEqual(c.msgs.slice(1, 4).map((m) => m.msg.split(' ').at(-1)), ['b-5', 'b-6', 'b-7']);

  // Without backfill or since, a connection starts with the live stream.
  const fresh = await new Client('service=api').ready();
  await barrier(fresh, api(), 'info');
  assert.deepEqual(fresh.texts(tag), [], 'history sent without backfill');
});

test('bad query parameters are refused before the upgrade with HTTP 400', async (t) => {
  for (const [name, query, reason] of [
    ['unknown level', 'level=loud', /level/],
    ['invalid regex', 're=%28', /re/],
    ['malformed cursor', 'since=%21%21%21', /since|cursor/],
    ['backfill too large', 'backfill=10001', /backfill/],
  ]) {
    await t.test(name, async () => {
      const c = new Client(query);
      const err = await c.opened.then(() => null, (e) => e);
      assert.ok(err, 'the upgrade succeeded');
      assert.equal(err.status, 400, `got ${err.message}, want HTTP 400`);
      assert.match(err.headers['content-type'], /^text\/plain/);
      assert.match(err.body, reason);
    });
  }
});

test('a binary or oversized client frame closes the connection with 1003 or 1009', async (t) => {
  for (const [name, payload, code] of [
    ['binary', Buffer.from('{"type":"filter"}'), 1003],
    ['larger than 64 KiB', JSON.stringify({ type: 'filter', q: 'x'.repeat(70 << 10) }), 1009],
  ]) {
    await t.test(name, async () => {
      const c = await new Client().ready();
      c.ws.send(payload);
      const closed = await waitFor(() => c.closed, { what: `close ${code}` });
      assert.equal(closed.code, code, `got close ${closed.code} ${closed.reason}, want ${code}`);
    });
  }
});
