// Unit tests of the rows held (no browser): entry messages as ring items
// (rows.js entryItem), the Feed that puts entries and markers into the ring
// (feed.js), and the TargetWatch that waits for a permalink's line
// (target.js). viewer.test.mjs and usability.test.mjs drive the same code
// through the page.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { entryItem, heightOf } from '../static/rows.js';
import { Feed } from '../static/feed.js';
import { TargetWatch, TARGET_IDLE_MS, WATCH_MS } from '../static/target.js';
import { Ring } from '../static/ring.js';
import { emptyFilter, matcher, LEVEL_RANK } from '../static/filters.js';

// fakeScroller records what the rows ask of the scroller.
function fakeScroller() {
  return {
    calls: [], following: true, anchor: { seq: -1 },
    added() { this.calls.push('added'); },
    schedule(urgent) { this.calls.push(urgent ? 'schedule!' : 'schedule'); },
    reset() { this.calls.push('reset'); },
    show(seq, at) { this.calls.push(`show ${seq} ${at}`); },
    follow() { this.calls.push('follow'); },
  };
}

// setup is a Feed over a ring of cap items, with the view's filter f.
function setup({ cap = 8, f = emptyFilter(), target = '' } = {}) {
  const ring = new Ring(cap);
  const bySeq = new Map();
  const view = { filter: f, match: matcher(f), target, targetPending: !!target, targetSeq: -1, gen: 0 };
  const stats = { received: 0, duplicates: 0, missed: 0 };
  const hist = { added: [], cleared: 0, add(level, seq, ms) { this.added.push({ level, seq, ms }); }, clear() { this.cleared++; } };
  const scroller = fakeScroller();
  const notices = [];
  const now = { t: 1000 };
  const watch = new TargetWatch({ view, ring, scroller, notice: (t) => notices.push(t), missed: () => stats.missed > 0, now: () => now.t });
  const feed = new Feed({ ring, bySeq, view, stats, hist, scroller, target: watch });
  return { ring, bySeq, view, stats, hist, scroller, notices, now, watch, feed };
}

const entry = (cursor, extra = {}) => ({ type: 'entry', cursor, ts: '2026-12-06T10:00:00Z', level: 'info', msg: `line ${cursor}`, ...extra });

test('rows: entryItem takes what the protocol says and nothing it should not', () => {
  const it = entryItem({
    cursor: 'p0:1', ts: '2026-12-06T10:00:00Z', service: 'api', host: 'h1', source: '/var/log/a.log', level: 'error',
    msg: 'a\nb\nc', fields: { user: 'alice' }, line: 'raw a', truncated: true, pattern: 'abcdef0123456789', new: true,
  });
  assert.deepEqual(it, {
    k: 0, cursor: 'p0:1', ts: '2026-12-06T10:00:00Z', service: 'api', host: 'h1', source: '/var/log/a.log',
    level: LEVEL_RANK.error, msg: 'a\nb\nc', lines: 3, fields: { user: 'alice' }, line: 'raw a', lineBytes: null,
    truncated: true, open: false, hidden: false, pattern: 'abcdef0123456789', newPat: true,
  });
  // Whatever the server (or a broken one) sends, the item has its shape.
  const odd = entryItem({ cursor: 'p0:2', level: 'loud', msg: 42, fields: 'x', line: 7, line_bytes: 'AP8=', pattern: 1, truncated: 'yes' });
  assert.equal(odd.level, LEVEL_RANK.unknown);
  assert.equal(odd.msg, '42');
  assert.equal(odd.lines, 1);
  assert.equal(odd.fields, null);
  assert.equal(odd.line, null);
  assert.equal(odd.lineBytes, 'AP8=');
  assert.equal(odd.pattern, '');
  assert.equal(odd.truncated, false);
  assert.equal(entryItem({ cursor: 'p0:3' }).msg, '', 'no msg');
});

test('feed: each entry once, hidden while the filter hides it, seen by the histogram', () => {
  const f = { ...emptyFilter(), level: 'error' };
  const { ring, bySeq, stats, hist, scroller, feed } = setup({ f });
  feed.entry(entry('a', { level: 'error' }));
  feed.entry(entry('b', { level: 'info', ts: 'not a time' }));
  feed.entry(entry('a', { level: 'error' }));
  assert.deepEqual([stats.received, stats.duplicates], [3, 1]);
  assert.equal(ring.size, 2);
  assert.deepEqual([...bySeq], [['a', 0], ['b', 1]]);
  assert.equal(ring.get(0).hidden, false);
  assert.equal(ring.get(1).hidden, true, 'info under level=error');
  assert.equal(ring.height(1), 0, 'a hidden row takes no room');
  assert.deepEqual(hist.added.map((a) => [a.level, a.seq]), [[LEVEL_RANK.error, 0], [LEVEL_RANK.info, 1]]);
  assert.equal(hist.added[0].ms, Date.parse('2026-12-06T10:00:00Z'));
  assert.ok(Math.abs(hist.added[1].ms - Date.now()) < 60_000, 'no time: counted now');
  assert.deepEqual(scroller.calls, ['added', 'schedule', 'schedule'], 'only the visible row is added');
});

test('feed: an evicted entry can come again; markers and dropped counts', () => {
  const { ring, bySeq, stats, feed } = setup({ cap: 2 });
  feed.entry(entry('a'));
  feed.marker('info', 'filter: all');
  feed.entry(entry('b')); // evicts a
  assert.equal(bySeq.has('a'), false, 'evicted: forgotten');
  feed.entry(entry('a'));
  assert.equal(stats.duplicates, 0);
  feed.dropped(3);
  feed.dropped(4);
  const last = ring.get(ring.tail - 1);
  assert.equal(last.kind, 'dropped');
  assert.equal(last.count, 7, 'no entry in between: one marker grows');
  feed.entry(entry('c'));
  feed.dropped(1);
  assert.equal(ring.get(ring.tail - 1).count, 1, 'an entry in between: a new marker');
});

test('feed: refilter shows and hides the rows held; clear starts over', () => {
  const { ring, bySeq, view, hist, scroller, watch, feed } = setup();
  feed.entry(entry('a', { level: 'error' }));
  feed.entry(entry('b', { level: 'info' }));
  view.filter = { ...emptyFilter(), level: 'error' };
  view.match = matcher(view.filter);
  feed.refilter();
  assert.deepEqual([ring.get(0).hidden, ring.get(1).hidden], [false, true]);
  assert.equal(ring.height(1), 0);
  assert.equal(view.gen, 1, 'every row is filled again');
  view.filter = emptyFilter();
  view.match = matcher(view.filter);
  feed.refilter();
  assert.equal(ring.height(1), heightOf(ring.get(1)));
  assert.ok(ring.height(1) > 0);

  watch.firstSeq = 0;
  scroller.calls.length = 0;
  feed.clear();
  assert.deepEqual([ring.size, bySeq.size, hist.cleared, watch.firstSeq], [0, 0, 1, -1]);
  assert.deepEqual(scroller.calls, ['reset']);
});

test('target: the linked line is shown when it comes, even hidden by the filter', () => {
  const f = { ...emptyFilter(), level: 'error' };
  const { ring, view, scroller, notices, watch, feed } = setup({ f, target: 'b' });
  feed.entry(entry('a', { level: 'error' }));
  feed.entry(entry('b', { level: 'info' }));
  assert.equal(watch.firstSeq, 0);
  assert.deepEqual([view.targetPending, view.targetSeq], [false, 1]);
  assert.equal(ring.get(1).hidden, false, 'the linked line shows whatever the filter');
  assert.ok(ring.height(1) > 0);
  assert.deepEqual(notices, ['']);
  assert.ok(scroller.calls.includes('show 1 -1'), 'centred on it');
  feed.entry(entry('c', { level: 'error' }));
  assert.equal(view.targetSeq, 1, 'found once');
});

test('target: a slow replay after giving up jumps only if the user stayed put', () => {
  for (const [anchor, wantJump] of [[0, true], [5, false]]) {
    const { view, scroller, watch, feed } = setup({ target: 'b' });
    feed.entry(entry('a'));
    view.targetPending = false; // given up
    scroller.following = false;
    scroller.anchor.seq = anchor;
    feed.entry(entry('b'));
    assert.equal(view.targetSeq, 1);
    assert.equal(scroller.calls.includes('show 1 -1'), wantJump, `anchor ${anchor}`);
    assert.equal(watch.firstSeq, 0);
  }
});

test('target: given up when nothing more comes: the nearest line, or live', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  // A gap before the linked line explains where it went: it is shown first.
  for (const { gap, withEntry, want, first } of [
    { gap: true, withEntry: true, want: 'show 0 0', first: 0 },
    { gap: false, withEntry: true, want: 'show 0 0', first: 0 },
    { gap: false, withEntry: false, want: 'follow', first: -1 },
  ]) {
    const what = `gap=${gap} entry=${withEntry}`;
    const { view, stats, scroller, notices, now, watch, feed } = setup({ target: 'gone' });
    if (gap) { stats.missed = 2; feed.marker('gap', 'gap'); }
    if (withEntry) feed.entry(entry('a'));
    assert.equal(watch.firstSeq, first, what);
    watch.hello();
    now.t += TARGET_IDLE_MS - 1;
    t.mock.timers.tick(WATCH_MS);
    assert.equal(view.targetPending, true, `${what}: still waiting`);
    now.t += 2;
    t.mock.timers.tick(WATCH_MS);
    assert.equal(view.targetPending, false, `${what}: then given up`);
    assert.equal(scroller.calls.filter((c) => c === want).length, 1, `${what}: got ${scroller.calls}, want ${want} once`);
    assert.match(notices.at(-1), gap ? /Kafka no longer has it/ : /server no longer holds it/, what);
    t.mock.timers.tick(10 * WATCH_MS);
    assert.equal(scroller.calls.filter((c) => c === want).length, 1, `${what}: the watch stopped`);
  }
});
