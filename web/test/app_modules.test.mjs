// Unit tests of the modules split out of app.js (no browser): the filter
// form and the filter in the browser, the status line, the actions, the
// permalink target, the markers, the keyboard, the pointer on the rows, the
// counters' pace and the histogram's time formats. The browser suites
// (viewer, usability, markers...) drive the same code through the page.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FilterForm, describeFilter, HL_PREFIX } from '../static/form.js';
import { stateText, countsText, CountsThrottle, COUNTS_MS } from '../static/status.js';
import { ndjsonLines, downloadName } from '../static/actions.js';
import { givenUp, goneText, TARGET_IDLE_MS, TARGET_GIVE_UP_MS } from '../static/target.js';
import { marker, growDropped, droppedText } from '../static/markers.js';
import { keyAction } from '../static/keys.js';
import { rowAction, installPointer, DOUBLE_CLICK_MS } from '../static/pointer.js';
import { histFormat, fmtDate, fmtClock } from '../static/format.js';
import { emptyFilter, visible, matcher, LEVEL_RANK, LEVELS } from '../static/filters.js';
import { Ring } from '../static/ring.js';

// fakeInput is the part of an input element FilterForm uses.
function fakeInput(value = '') {
  return {
    value, checked: false, validity: '', attrs: new Map(),
    setCustomValidity(t) { this.validity = t; },
    setAttribute(k, v) { this.attrs.set(k, v); },
    removeAttribute(k) { this.attrs.delete(k); },
  };
}

function fakeForm() {
  const listeners = {};
  const els = {
    form: { addEventListener: (t, fn) => { listeners[t] = fn; }, contains: (el) => Object.values(els).includes(el) },
    fError: { textContent: '', hidden: true },
    q: fakeInput(), re: fakeInput(), level: fakeInput(), service: fakeInput(), host: fakeInput(), hl: fakeInput(),
  };
  els.q.type = 'search';
  return { els, listeners };
}

test('form: reads and writes the inputs, keeps the pattern terms, marks a refused input', () => {
  const { els } = fakeForm();
  let applied = null;
  const current = { ...emptyFilter(), pattern: 'aaaaaaaaaaaaaaaa', not_pattern: 'bbbbbbbbbbbbbbbb' };
  const form = new FilterForm({ els, current: () => current, apply: (f) => { applied = f; } });
  form.write({ ...emptyFilter(), q: 'timeout', re: 'a+', level: 'warn', service: 'api', host: 'h1', hl: true });
  assert.equal(els.q.value, 'timeout');
  assert.equal(els.hl.checked, true);
  els.service.value = ' api,db ';
  els.re.value = ' x+ ';
  assert.deepEqual(form.read(), { q: 'timeout', re: 'x+', level: 'warn', service: 'api,db', host: 'h1', hl: true, pattern: 'aaaaaaaaaaaaaaaa', not_pattern: 'bbbbbbbbbbbbbbbb' });

  form.refused({ field: 're', text: 'Not a valid regular expression: missing )' });
  assert.equal(form.refusedByServer, true);
  assert.equal(els.fError.hidden, false);
  assert.equal(els.re.validity, 'Not a valid regular expression: missing )');
  assert.equal(els.re.attrs.get('aria-describedby'), 'f-error');
  assert.equal(els.q.validity, '', 'only the input it is about');
  form.clear();
  assert.equal(form.refusedByServer, false);
  assert.equal(els.fError.hidden, true);
  assert.equal(els.re.validity, '');
  assert.equal(els.re.attrs.has('aria-describedby'), false);

  // Escape in a text input of the form empties it and applies at once.
  assert.equal(form.clearInput(els.q), true);
  assert.equal(els.q.value, '');
  assert.equal(applied.q, '');
  assert.equal(form.clearInput({ type: 'search' }), false, 'an input outside the form');
});

test('form: the highlight-only message comes and goes with what the browser can mark', () => {
  const { els } = fakeForm();
  const form = new FilterForm({ els, current: emptyFilter, apply: () => {} });
  const f = { ...emptyFilter(), hl: true, re: '(?P<x>a' };
  form.highlightOnly(f, false);
  assert.ok(els.fError.textContent.startsWith(HL_PREFIX), els.fError.textContent);
  form.highlightOnly({ ...f, re: 'a+' }, true);
  assert.equal(els.fError.hidden, true, 'cleared once the browser can mark it');
  // A server refusal is not the form's to clear.
  form.refused({ field: 'q', text: 'The server refused it' });
  form.highlightOnly({ ...f, re: 'a+' }, true);
  assert.equal(els.fError.hidden, false);
});

test('form: describeFilter', () => {
  for (const [f, want] of [
    [{}, 'everything'],
    [{ service: 'api', level: 'warn' }, 'service=api, level≥warn'],
    [{ q: 'x', hl: true }, 'highlight text "x"'],
    [{ re: 'a+', host: 'h' }, 'host=h, regex /a+/'],
    [{ pattern: 'p1', not_pattern: 'n1,n2' }, 'pattern p1, muted 2 pattern(s)'],
  ]) assert.equal(describeFilter({ ...emptyFilter(), ...f }), want, JSON.stringify(f));
});

test('filters: a row is visible under a filter in the browser', () => {
  const entry = { k: 0, level: LEVEL_RANK.warn, service: 'api', host: 'h1', msg: 'read TIMEOUT', pattern: 'p1' };
  const tests = [
    [{}, true],
    [{ level: 'warn' }, true],
    [{ level: 'error' }, false],
    [{ service: 'db, api' }, true],
    [{ service: 'db' }, false],
    [{ host: 'h2' }, false],
    [{ q: 'timeout' }, true],
    [{ q: 'nope' }, false],
    [{ q: 'nope', hl: true }, true],
    [{ pattern: 'p2,p1' }, true],
    [{ pattern: 'p2' }, false],
    [{ not_pattern: 'p1' }, false],
  ];
  for (const [over, want] of tests) {
    const f = { ...emptyFilter(), ...over };
    assert.equal(visible(entry, f, matcher(f)), want, JSON.stringify(over));
  }
  assert.equal(visible({ ...entry, level: LEVEL_RANK.unknown }, { ...emptyFilter(), level: 'trace' }, null), false, 'unknown level under a minimum');
  assert.equal(visible({ k: 1, kind: 'gap' }, { ...emptyFilter(), level: 'fatal' }, null), true, 'markers always show');
});

test('status: the connection state in words, and the counters', () => {
  const now = 1_000_000;
  for (const [state, d, opts, want] of [
    ['connecting', {}, {}, { state: 'connecting', text: 'connecting…' }],
    ['connecting', { attempt: 2 }, {}, { state: 'connecting', text: 'connecting (attempt 3)…' }],
    ['locked', {}, {}, { state: 'locked', text: 'access token required' }],
    ['live', { server: 'tailcast/dev', version: 1 }, {}, { state: 'live', text: 'live', title: 'tailcast/dev, protocol 1' }],
    ['closed', {}, {}, { state: 'closed', text: 'closed' }],
    ['closed', {}, { rangeDone: true }, { state: 'done', text: 'range loaded' }],
    ['waiting', { until: now + 2500, reason: 'server closed' }, {}, { state: 'waiting', text: 'server closed · retry in 3s' }],
    ['waiting', { until: now - 1, refused: 'HTTP 429' }, {}, { state: 'waiting', text: 'refused: HTTP 429 · retry in 0s' }],
  ]) assert.deepEqual(stateText(state, d, { ...opts, now }), want, `${state} ${JSON.stringify(d)}`);
  assert.equal(countsText(1200, 100000, {}), `${(1200).toLocaleString()} / ${(100000).toLocaleString()} lines`);
  assert.match(countsText(5, 1000, { droppedCount: 7, missed: 3 }), /· 7 dropped · 3 missed$/);
});

test('actions: the NDJSON download holds the entries as the protocol has them, and the markers', () => {
  const ring = new Ring(8);
  ring.push({ k: 0, cursor: 'c1', ts: '2026-12-06T00:00:00Z', service: 'api', host: 'h', source: '/l', level: LEVEL_RANK.error, msg: 'boom', line: '{"msg":"boom"}', fields: { a: 1 }, truncated: true }, 1);
  ring.push({ k: 1, kind: 'gap', text: 'gap: 3' }, 1);
  ring.push({ k: 1, kind: 'info', text: 'filter: everything' }, 1);
  ring.push({ k: 0, cursor: 'c2', ts: '', service: '', host: '', source: '', level: LEVEL_RANK.info, msg: 'plain', line: null }, 1);
  const lines = ndjsonLines(ring, LEVELS).map((l) => {
    assert.ok(l.endsWith('\n'));
    return JSON.parse(l);
  });
  assert.deepEqual(lines, [
    { type: 'entry', cursor: 'c1', ts: '2026-12-06T00:00:00Z', service: 'api', host: 'h', source: '/l', level: 'error', msg: 'boom', fields: { a: 1 }, line: '{"msg":"boom"}', truncated: true },
    { type: 'gap', text: 'gap: 3' },
    { type: 'entry', cursor: 'c2', ts: '', service: '', host: '', source: '', level: 'info', msg: 'plain', line: 'plain' },
  ]);
  assert.equal(downloadName(Date.UTC(2026, 11, 6, 7, 8, 9, 10)), 'tailcast-2026-12-06T07-08-09-010Z.ndjson');
});

test('target: when to give up on a linked line, and what to say', () => {
  for (const [t, want] of [
    [{ now: 1000, lastEntryAt: 0, helloAt: 0 }, false],
    [{ now: TARGET_IDLE_MS + 1, lastEntryAt: 0, helloAt: 0 }, true],
    [{ now: 5000, lastEntryAt: 4900, helloAt: 0 }, false],
    [{ now: 5000, lastEntryAt: 5000 - TARGET_IDLE_MS, helloAt: 0 }, true],
    [{ now: TARGET_GIVE_UP_MS, lastEntryAt: TARGET_GIVE_UP_MS - 1, helloAt: 0 }, true],
  ]) assert.equal(givenUp(t), want, JSON.stringify(t));
  assert.match(goneText(true, true), /Kafka no longer has it\): showing from the nearest line after it/);
  assert.match(goneText(false, false), /the server no longer holds it\), nor anything after it: following live/);
});

test('markers: a dropped marker grows while no entry comes after it', () => {
  const ring = new Ring(8);
  assert.equal(growDropped(ring, 5), false, 'nothing to grow');
  ring.push(marker('dropped', '', { count: 5, v: 0 }), 1);
  assert.equal(ring.get(0).text, droppedText(5));
  assert.equal(growDropped(ring, 3), true);
  assert.equal(ring.get(0).count, 8);
  assert.equal(ring.get(0).v, 1, 'repainted');
  assert.equal(ring.get(0).text, droppedText(8));
  ring.push({ k: 0, msg: 'x' }, 1);
  assert.equal(growDropped(ring, 1), false, 'an entry came in between');
  assert.deepEqual(marker('info', 'hi'), { k: 1, kind: 'info', text: 'hi', open: false, hidden: false });
});

test('keys: what a key does outside text inputs', () => {
  for (const [ev, want] of [
    [{ key: '/' }, 'search'], [{ key: ' ' }, 'pause'], [{ key: 'End' }, 'live'], [{ key: 'Home' }, 'oldest'],
    [{ key: 'a' }, ''], [{ key: '/', ctrlKey: true }, ''], [{ key: 'End', metaKey: true }, ''], [{ key: ' ', altKey: true }, ''],
  ]) assert.equal(keyAction(ev), want, JSON.stringify(ev));
});

// fakeTarget is a clicked element inside a row: closest finds the classes
// it is inside of (and the row itself).
function fakeTarget(row, classes = [], dataset = {}) {
  return { closest: (sel) => (sel === '.row' ? row : classes.includes(sel) ? { dataset } : null) };
}

test('pointer: what a click in a row asks for', () => {
  const t = (...classes) => fakeTarget({}, classes);
  for (const [target, hasFields, want] of [
    [t('.copy'), true, 'copy'], [t('.show-ctx'), true, 'context'], [t('.fv'), true, 'field'],
    [t('.fv'), false, ''], [t('.link'), true, 'link'], [t(), true, ''],
  ]) {
    assert.equal(rowAction(target, hasFields), want);
  }
});

test('pointer: actions, opening a row, and a double click that selects instead of closing', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const ring = new Ring(4);
  ring.push({ k: 0, cursor: 'c0', fields: { user: 'alice' }, open: false }, 20);
  ring.push({ k: 1, kind: 'info' }, 20);
  const on = {};
  const rowsEl = { addEventListener: (type, fn) => { on[type] = fn; } };
  const did = [];
  let selection = '';
  installPointer(rowsEl, {
    ring,
    selected: () => selection,
    on: {
      showActs: (row) => did.push(`acts ${row._seq}`),
      copy: (item) => did.push(`copy ${item.cursor}`),
      context: (item) => did.push(`context ${item.cursor}`),
      field: (k, v, neg) => did.push(`field ${k} ${v} ${neg}`),
      link: (seq) => did.push(`link ${seq}`),
      toggle: (seq, open) => { did.push(`toggle ${seq} ${open}`); ring.get(seq).open = open; },
    },
  });
  const row0 = { _seq: 0 };
  const click = (target, detail = 1) => {
    let prevented = false;
    on.click({ target, detail, preventDefault: () => { prevented = true; } });
    return prevented;
  };
  on.pointerover({ target: fakeTarget(row0) });
  on.pointerover({ target: fakeTarget({ _seq: 1 }) });
  click(fakeTarget(row0, ['.copy']));
  click(fakeTarget(row0, ['.show-ctx']));
  click(fakeTarget(row0, ['.fv'], { key: 'user', neg: '1' }));
  assert.equal(click(fakeTarget(row0, ['.link'])), true, 'the link is copied, not followed');
  click(fakeTarget({ _seq: 1 })); // a marker: nothing
  assert.deepEqual(did, ['acts 0', 'copy c0', 'context c0', 'field user alice true', 'link 0']);

  did.length = 0;
  click(fakeTarget(row0));
  assert.deepEqual(did, ['toggle 0 true']);
  // An open row closes only once the click is not the first of a double one.
  click(fakeTarget(row0));
  t.mock.timers.tick(DOUBLE_CLICK_MS - 1);
  click(fakeTarget(row0), 2);
  t.mock.timers.tick(DOUBLE_CLICK_MS);
  assert.deepEqual(did, ['toggle 0 true'], 'a double click selects and leaves it open');
  click(fakeTarget(row0));
  selection = 'alice';
  t.mock.timers.tick(DOUBLE_CLICK_MS);
  assert.deepEqual(did, ['toggle 0 true'], 'text selected meanwhile: left open');
  selection = '';
  click(fakeTarget(row0));
  t.mock.timers.tick(DOUBLE_CLICK_MS);
  assert.deepEqual(did, ['toggle 0 true', 'toggle 0 false']);
});

test('status: the counters are written at most every COUNTS_MS, the last change never left out', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  let shown = 0;
  const now = { t: 0 };
  const c = new CountsThrottle(() => shown++, { now: () => now.t });
  c.painted(false, 1000);
  assert.equal(shown, 1);
  c.painted(false, 1000 + COUNTS_MS / 2);
  c.painted(false, 1000 + COUNTS_MS / 2 + 1);
  assert.equal(shown, 1, 'too soon: later, once');
  now.t = 1000 + COUNTS_MS * 1.5;
  t.mock.timers.tick(COUNTS_MS);
  assert.equal(shown, 2, 'the deferred write');
  c.painted(false, now.t + 1);
  assert.equal(shown, 2, 'paced from the deferred write');
  c.painted(true, now.t + 2);
  assert.equal(shown, 3, 'urgent: at once');
  t.mock.timers.tick(COUNTS_MS);
  assert.equal(shown, 3, 'and the pending write is cancelled');
  c.painted(false, now.t + 2 + COUNTS_MS);
  assert.equal(shown, 4);
});

test('format: the histogram shows times in the zone chosen', () => {
  const ms = Date.UTC(2026, 11, 6, 5, 4, 0);
  const utc = histFormat(true);
  assert.equal(utc.fmtTip(ms), '12-06 05:04:00 UTC');
  assert.equal(utc.fmtTick(ms, true), '05:04');
  const local = histFormat(false);
  assert.equal(local.fmtTip(ms), `${fmtDate(ms)} ${fmtClock(ms)}`);
  assert.equal(local.fmtTick(ms, false), fmtClock(ms));
});
