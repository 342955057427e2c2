// Unit tests of the history view's pure helpers (web/static/range.js): the
// range and where filters in the URL, and where expressions built from a
// field's value.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  rangeFromURL, rangeParams, whereFor, addWhere, zoomRange, timeMs, validTime, describeRange,
  fromLocalInput, localInput, emptyRange, HISTORY_LIMIT,
} from '../static/range.js';

test('rangeFromURL: from, to and where; bad times fall back to live', () => {
  for (const [search, want] of [
    ['', { from: '', to: '', where: [] }],
    ['?from=15m', { from: '15m', to: '', where: [] }],
    ['?from=2026-12-06T10:02:00Z&to=2026-12-06T10:07:00Z', { from: '2026-12-06T10:02:00Z', to: '2026-12-06T10:07:00Z', where: [] }],
    ['?to=1h', { from: '', to: '', where: [] }], // to alone is not a range
    ['?from=yesterday', { from: '', to: '', where: [] }],
    ['?from=1h&to=soon', { from: '1h', to: '', where: [] }],
    ['?where=status%3E%3D500&where=user%21%3Dbob&where=', { from: '', to: '', where: ['status>=500', 'user!=bob'] }],
  ]) {
    assert.deepEqual(rangeFromURL(search), want, `rangeFromURL(${search})`);
  }
});

test('rangeParams: the page keeps the range, the socket adds the limit', () => {
  const r = { from: '1h', to: '2026-12-06T10:07:00Z', where: ['user=alice', 'status>=500'] };
  assert.equal(rangeParams(new URLSearchParams(), r).toString(), 'from=1h&to=2026-12-06T10%3A07%3A00Z&where=user%3Dalice&where=status%3E%3D500');
  const ws = rangeParams(new URLSearchParams(), r, { protocol: true });
  assert.equal(ws.get('limit'), String(HISTORY_LIMIT));
  assert.deepEqual(ws.getAll('where'), r.where);
  // Live with where: no from, no limit.
  const live = rangeParams(new URLSearchParams(), { ...emptyRange(), where: ['a=1'] }, { protocol: true });
  assert.equal(live.toString(), 'where=a%3D1');
  // A round trip through the URL gives the range back.
  assert.deepEqual(rangeFromURL('?' + rangeParams(new URLSearchParams(), r)), r);
});

test('whereFor: numbers and booleans unquoted, strings whole', () => {
  for (const [args, want] of [
    [['status', 500], 'status=500'],
    [['status', 500, true], 'status!=500'],
    [['latency_ms', 12.5], 'latency_ms=12.5'],
    [['ok', true], 'ok=true'],
    [['user', 'alice'], 'user=alice'],
    [['path', '/api/v1 x=y'], 'path=/api/v1 x=y'],
    [['user', 'bob', true], 'user!=bob'],
    [['nothing', null], 'nothing=null'],
  ]) {
    assert.equal(whereFor(...args), want, `whereFor(${JSON.stringify(args)})`);
  }
});

test('addWhere: once each, and "filter out" replaces "filter for" of the same value', () => {
  let r = emptyRange();
  r = addWhere(r, 'user=alice');
  r = addWhere(r, 'user=alice');
  assert.deepEqual(r.where, ['user=alice']);
  r = addWhere(r, 'status>=500');
  r = addWhere(r, 'user!=alice');
  assert.deepEqual(r.where, ['status>=500', 'user!=alice']);
});

test('zoomRange: either drag direction, empty drags ignored', () => {
  const a = Date.UTC(2026, 11, 6, 10, 0, 0);
  const b = a + 90_000;
  const want = { from: '2026-12-06T10:00:00.000Z', to: '2026-12-06T10:01:30.000Z', where: ['x=1'] };
  assert.deepEqual(zoomRange({ from: '1h', to: '', where: ['x=1'] }, a, b), want);
  assert.deepEqual(zoomRange({ from: '1h', to: '', where: ['x=1'] }, b, a), want);
  assert.equal(zoomRange(emptyRange(), a, a), null);
});

test('times: durations count back from now; RFC 3339 as written', () => {
  const now = Date.UTC(2026, 11, 6, 12, 0, 0);
  assert.equal(timeMs('15m', now), now - 15 * 60_000);
  assert.equal(timeMs('2h', now), now - 7_200_000);
  assert.equal(timeMs('2026-12-06T10:00:00Z', now), Date.UTC(2026, 11, 6, 10));
  for (const [s, want] of [['5m', true], ['24h', true], ['2026-12-06T10:00:00Z', true], ['10:00', false], ['5 m', false], ['', false]]) {
    assert.equal(validTime(s), want, `validTime(${s})`);
  }
  // datetime-local values are local time; a round trip keeps the instant.
  const ms = Date.UTC(2026, 11, 6, 10, 2, 3);
  assert.equal(fromLocalInput(localInput(ms)), '2026-12-06T10:02:03.000Z');
  assert.equal(fromLocalInput(''), '');
  assert.equal(describeRange(emptyRange()), 'live');
  assert.equal(describeRange({ from: '15m', to: '', where: [] }), 'last 15m, then live');
  assert.equal(describeRange({ from: '2026-12-06T10:00:00Z', to: '2026-12-06T10:05:00Z', where: [] }),
    '2026-12-06T10:00:00.000Z – 2026-12-06T10:05:00.000Z');
});
