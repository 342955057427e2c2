// Unit tests of the history wiring (no browser): the Timeline's moves
// between live and a range (web/static/timeline.js) and the context query's
// URL (context.js). history.test.mjs drives the same code through the page.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Timeline, nearestAfter, liveRange, endText } from '../static/timeline.js';
import { contextURL } from '../static/context.js';
import { emptyRange } from '../static/range.js';
import { Ring } from '../static/ring.js';

const T0 = Date.UTC(2026, 11, 6, 10, 0, 0);
const iso = (ms) => new Date(ms).toISOString();

// ringOf holds entries at the given offsets (seconds from T0) and a marker
// first, as the view's ring does.
function ringOf(...secs) {
  const ring = new Ring(16);
  ring.push({ k: 1, kind: 'info', text: 'filter: all' }, 20);
  for (const s of secs) ring.push({ k: 0, cursor: `c${s}`, ts: iso(T0 + s * 1000), hidden: false }, 20);
  return ring;
}

// fakes records what a Timeline asks of its collaborators, in order.
function fakes(range = emptyRange()) {
  const calls = [];
  const view = { range, rangeEnded: true, since: 'c1', target: 'c9', targetPending: true, targetSeq: 4 };
  const conn = { lastCursor: 'c7', stop: () => calls.push('conn.stop'), start: () => calls.push('conn.start') };
  const scroller = { follow: () => calls.push('follow'), show: (seq, at) => calls.push(`show ${seq} ${at}`) };
  const tl = new Timeline({
    view, conn, scroller, ring: ringOf(),
    controls: { show: (r) => calls.push(`controls ${JSON.stringify(r)}`) },
    refill: () => calls.push('refill'),
    syncURL: () => calls.push('syncURL'),
    addMarker: (kind, text) => calls.push(`marker ${kind}: ${text}`),
  });
  return { tl, view, conn, calls };
}

test('timeline: nearestAfter skips markers, hidden rows and earlier entries; entries need not be in time order', () => {
  const ring = ringOf(30, 10, 20, 40); // seqs 1..4: a partition's order, not time's
  ring.get(3).hidden = true; // 20s, hidden by the filter
  for (const [sec, want] of [[0, 2], [10, 2], [11, 1], [15, 1], [31, 4], [41, -1]]) {
    assert.equal(nearestAfter(ring, T0 + sec * 1000), want, `at ${sec}s: got the wrong seq`);
  }
  assert.equal(nearestAfter(new Ring(4), T0), -1, 'empty ring');
});

test('timeline: liveRange keeps the where filters; endText counts what came', () => {
  const r = { from: '1h', to: '2026-12-06T10:07:00Z', where: ['status>=500'] };
  assert.deepEqual(liveRange(r), { from: '', to: '', where: ['status>=500'] });
  assert.equal(endText({ sent: 0 }), 'no entries in this range');
  assert.equal(endText({}), 'no entries in this range');
  assert.equal(endText({ sent: 12345 }), `end of range: ${(12345).toLocaleString()} entries`);
});

test('timeline: setRange starts a new query from nothing, and drops the permalink', () => {
  const { tl, view, conn, calls } = fakes();
  const r = { from: '15m', to: '', where: ['user=alice'] };
  tl.setRange(r);
  assert.equal(view.range, r);
  assert.equal(view.rangeEnded, false);
  assert.equal(view.since, '');
  assert.deepEqual([view.target, view.targetPending, view.targetSeq], ['', false, -1]);
  assert.equal(conn.lastCursor, '', 'a new query does not resume');
  // Stopped before the rows start over, started once the URL says the range.
  assert.deepEqual(calls, ['conn.stop', 'refill', `controls ${JSON.stringify(r)}`, 'syncURL', 'conn.start']);
});

test('timeline: the end of a range with an end stops; without one, live follows', () => {
  for (const [to, wantCalls] of [['2026-12-06T10:07:00Z', ['conn.stop', 'marker info: end of range: 3 entries']], ['', ['marker info: end of range: 3 entries']]]) {
    const { tl, view, calls } = fakes({ from: '1h', to, where: [] });
    view.rangeEnded = false;
    tl.ended({ type: 'end', sent: 3 });
    assert.equal(view.rangeEnded, true, `to=${to}`);
    assert.deepEqual(calls, wantCalls, `to=${to}`);
  }
});

test('timeline: go live keeps the where filters and resumes after the last entry', () => {
  const { tl, view, conn, calls } = fakes({ from: '1h', to: '2026-12-06T10:07:00Z', where: ['a=1'] });
  view.rangeEnded = false;
  tl.goLive();
  assert.deepEqual(view.range, { from: '', to: '', where: ['a=1'] });
  assert.equal(view.rangeEnded, true, 'a reconnect resumes live');
  assert.equal(conn.lastCursor, 'c7', 'since= the last cursor: no gap, no duplicate');
  assert.deepEqual(calls, [`controls ${JSON.stringify(view.range)}`, 'syncURL', 'marker info: live from here', 'conn.stop', 'conn.start', 'follow']);
});

test('timeline: a jump shows a loaded entry, or asks for the range from there', () => {
  const { tl, view, calls } = fakes({ from: '1h', to: '', where: ['a=1'] });
  tl.ring = ringOf(10, 20);
  tl.jumpTo(T0 + 15_000);
  assert.deepEqual(calls, ['show 2 0']);
  calls.length = 0;
  tl.jumpTo(T0 + 60_000);
  assert.deepEqual(view.range, { from: iso(T0 + 60_000), to: '', where: ['a=1'] });
  assert.equal(calls[0], 'conn.stop', 'a new query');
});

test('timeline: a field filter is added to the where list once, replacing its opposite', () => {
  const { tl, view } = fakes({ from: '', to: '', where: ['user!=alice'] });
  tl.addFieldFilter('user', 'alice', false);
  assert.deepEqual(view.range.where, ['user=alice']);
  tl.addFieldFilter('status', 500, true);
  assert.deepEqual(view.range.where, ['user=alice', 'status!=500']);
  tl.addFieldFilter('status', 500, true);
  assert.deepEqual(view.range.where, ['user=alice', 'status!=500'], 'not twice');
});

test('context: the query URL has none of the page filter, the token and the query keys', () => {
  const u = new URL(contextURL('https://h.example:8443/view/?level=error&q=timeout&service=api#c1', 'tok', { around: 'p0:12', before: '50', after: '0' }));
  assert.equal(u.protocol, 'wss:');
  assert.equal(u.pathname, '/view/ws');
  assert.equal(u.hash, '');
  assert.deepEqual(Object.fromEntries(u.searchParams), { token: 'tok', around: 'p0:12', before: '50', after: '0' });
  const plain = new URL(contextURL('http://127.0.0.1:8080/', '', { around: 'x' }));
  assert.equal(plain.toString(), 'ws://127.0.0.1:8080/ws?around=x');
});
