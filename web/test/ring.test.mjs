// Unit tests of the viewer's ring buffer (no browser): offsets and lookups
// must agree with a plain array model through eviction, hidden rows and
// height changes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Ring } from '../static/ring.js';

function model(ring) {
  const rows = [];
  ring.forEach((item, seq) => rows.push({ seq, h: ring.height(seq) }));
  return rows;
}

function check(ring, label) {
  const rows = model(ring);
  let y = 0;
  for (const r of rows) {
    assert.equal(ring.offset(r.seq), y, `${label}: offset(${r.seq})`);
    if (r.h > 0) {
      assert.equal(ring.at(y), r.seq, `${label}: at(${y}) top of ${r.seq}`);
      assert.equal(ring.at(y + r.h - 1), r.seq, `${label}: at(${y + r.h - 1}) bottom of ${r.seq}`);
    }
    y += r.h;
  }
  assert.equal(ring.total, y, `${label}: total`);
}

test('offsets and lookups through eviction', () => {
  const tests = [
    { cap: 1, n: 5 },
    { cap: 7, n: 3 },
    { cap: 7, n: 7 },
    { cap: 7, n: 30 },
    { cap: 64, n: 200 },
    { cap: 100, n: 1000 },
  ];
  for (const { cap, n } of tests) {
    const r = new Ring(cap);
    const evicted = [];
    for (let i = 0; i < n; i++) {
      const [seq, ev] = r.push({ i }, 20 * (1 + (i % 3)));
      assert.equal(seq, i);
      if (ev) evicted.push(ev.i);
    }
    assert.equal(r.size, Math.min(cap, n), `cap ${cap} n ${n}: size`);
    assert.deepEqual(evicted, Array.from({ length: Math.max(0, n - cap) }, (_, i) => i), 'evicts oldest first');
    assert.equal(r.get(n - 1).i, n - 1);
    assert.equal(r.get(n - cap - 1), undefined);
    check(r, `cap ${cap} n ${n}`);
  }
});

test('hidden rows (height 0) are skipped and heights change in place', () => {
  const r = new Ring(10);
  for (let i = 0; i < 25; i++) r.push({ i }, 20);
  for (let s = r.head; s < r.tail; s += 2) r.setHeight(s, 0);
  check(r, 'every other hidden');
  r.setHeight(r.tail - 1, 95);
  check(r, 'one tall');
  assert.equal(r.at(-5), r.head + 1, "first visible row, not the hidden head");
  assert.equal(r.at(r.total + 100), r.tail - 1);
  r.clear();
  assert.equal(r.size, 0);
  assert.equal(r.at(0), -1);
  assert.equal(r.total, 0);
});

test('base + offset of a row stays put while older rows are evicted', () => {
  const tests = [
    { cap: 1, n: 6 },
    { cap: 5, n: 40 },
    { cap: 64, n: 300 },
  ];
  for (const { cap, n } of tests) {
    const r = new Ring(cap);
    const abs = new Map(); // seq -> absolute position when pushed
    let y = 0;
    for (let i = 0; i < n; i++) {
      const h = i % 4 === 0 ? 0 : 20 * (1 + (i % 3)); // some hidden
      const [seq] = r.push({ i }, h);
      abs.set(seq, y);
      y += h;
      for (let s = r.head; s < r.tail; s++) {
        assert.equal(r.base + r.offset(s), abs.get(s), `cap ${cap}, after push ${i}: position of ${s}`);
      }
    }
    assert.equal(r.base + r.total, y, `cap ${cap}: base + total`);
    r.clear();
    assert.equal(r.base, y, `cap ${cap}: clear keeps positions monotonic`);
  }
});

test('bad capacity is refused', () => {
  for (const c of [0, -1, 1.5, NaN]) assert.throws(() => new Ring(c), RangeError);
});
