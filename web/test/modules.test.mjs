// Unit tests of the viewer's pure modules (no browser): formatting,
// preferences, permalinks and the address bar, the access token, and the
// scroller's geometry.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fmtTime, fmtDate, fmtClock, fit, nthIndex, asWritten } from '../static/format.js';
import { Prefs, PrefButtons, nextTheme, themeLabel, tzLabel, levelColors, THEMES } from '../static/prefs.js';
import { contextCursor, permalinkURL, pageURL, LINK_BACKFILL } from '../static/permalink.js';
import { takeToken, TokenStore, TokenPrompt } from '../static/token.js';
import { geometry, virtualTop, MAX_SCROLL_PX, BOTTOM_PAD, PAUSED_PAD } from '../static/scroller.js';
import { Ring } from '../static/ring.js';
import { emptyFilter, fromURL, jsRegExp, matcher, refusal, filterMessage, wsURL } from '../static/filters.js';

// memStorage is a Storage-like map; broken throws like a disabled storage.
function memStorage({ broken = false } = {}) {
  const m = new Map();
  return {
    getItem(k) { if (broken) throw new Error('denied'); return m.has(k) ? m.get(k) : null; },
    setItem(k, v) { if (broken) throw new Error('denied'); m.set(k, String(v)); },
    removeItem(k) { if (broken) throw new Error('denied'); m.delete(k); },
    m,
  };
}

test('format: times in UTC and short forms', () => {
  const ms = Date.UTC(2026, 11, 6, 5, 4, 3, 21);
  for (const [opts, want] of [
    [{ utc: true }, '12-06 05:04:03.021'],
    [{ utc: true, short: true }, '05:04:03.021'],
  ]) assert.equal(fmtTime(ms, opts), want, JSON.stringify(opts));
  assert.equal(fmtDate(ms, { utc: true }), '12-06');
  assert.equal(fmtClock(ms, { utc: true }), '05:04:03');
  assert.equal(fmtClock(Date.UTC(2026, 0, 1, 7, 30, 0), { utc: true, minutes: true }), '07:30');
  assert.equal(fmtClock(Date.UTC(2026, 0, 1, 7, 30, 5), { utc: true, minutes: true }), '07:30:05');
  // Local: the same instant through the Date getters.
  const d = new Date(ms);
  assert.equal(fmtTime(ms, { short: true }).slice(0, 2), String(d.getHours()).padStart(2, '0'));
});

test('format: fit, nthIndex', () => {
  for (const [s, n, want] of [['abc', 5, 'abc  '], ['abcdef', 4, 'abc…'], ['abcd', 4, 'abcd']]) {
    assert.equal(fit(s, n), want, `fit(${s}, ${n})`);
  }
  for (const [s, n, want] of [['a\nb\nc', 1, 1], ['a\nb\nc', 2, 3], ['a\nb', 5, 3], ['', 1, 0]]) {
    assert.equal(nthIndex(s, '\n', n), want, `nthIndex(${JSON.stringify(s)}, ${n})`);
  }
});

test('prefs: defaults, saved values, broken storage', () => {
  const st = memStorage();
  const p = new Prefs(st);
  assert.equal(p.utc, false, 'default time zone is local');
  p.utc = true;
  assert.equal(st.m.get('tailcast.tz'), 'utc');
  assert.equal(new Prefs(st).utc, true, 'kept across instances');
  assert.equal(p.theme(''), 'auto');
  p.set('theme', 'light');
  assert.equal(p.theme(''), 'light', 'saved theme');
  assert.equal(p.theme('?theme=dark'), 'dark', 'URL wins');
  assert.equal(p.theme('?theme=pink'), 'light', 'bad URL value: the saved one');
  const b = new Prefs(memStorage({ broken: true }));
  assert.equal(b.utc, false);
  b.utc = true; // must not throw
  assert.equal(new Prefs(null).theme(''), 'auto');
  assert.deepEqual(THEMES.map(nextTheme), ['dark', 'light', 'auto']);
  assert.equal(themeLabel('dark'), '● dark');
});

test('permalink: context cursor skips markers and stops at the head', () => {
  const ring = new Ring(8);
  const push = (it) => ring.push(it, 20)[0];
  push({ k: 0, cursor: 'c0' });
  push({ k: 1, kind: 'info' });
  push({ k: 0, cursor: 'c2' });
  push({ k: 0, cursor: 'c3' });
  const s = push({ k: 0, cursor: 'c4' });
  for (const [n, want] of [[1, 'c3'], [2, 'c2'], [3, 'c0'], [50, 'c0']]) {
    assert.equal(contextCursor(ring, s, n), want, `n=${n}`);
  }
  assert.equal(contextCursor(ring, 0, 5), '', 'oldest row: no context');
  // Eviction moves the head: context never reaches a row no longer held.
  for (let i = 0; i < 6; i++) push({ k: 0, cursor: `d${i}` }); // 11 rows into 8: c0, the marker and c2 are gone
  assert.equal(ring.get(ring.head).cursor, 'c3');
  assert.equal(contextCursor(ring, ring.tail - 1, 50), 'c3', 'the oldest row held');
});

test('permalink: URLs carry filters, context or backfill, and the target', () => {
  const f = { ...emptyFilter(), level: 'warn', q: 'time out' };
  const u = new URL(permalinkURL({ origin: 'http://h:1', pathname: '/', filter: f, cursor: 'AQ/x', ctx: 'AQ' }));
  assert.equal(u.searchParams.get('level'), 'warn');
  assert.equal(u.searchParams.get('q'), 'time out');
  assert.equal(u.searchParams.get('since'), 'AQ');
  assert.equal(u.searchParams.get('backfill'), null);
  assert.equal(decodeURIComponent(u.hash), '#cursor=AQ/x');
  // A round trip through fromURL restores the view.
  const back = fromURL(u);
  assert.deepEqual(back.filter, f);
  assert.equal(back.since, 'AQ');
  assert.equal(back.target, 'AQ/x');
  const noCtx = new URL(permalinkURL({ origin: 'http://h:1', pathname: '/', filter: emptyFilter(), cursor: 'c', ctx: '', max: 5000 }));
  assert.equal(noCtx.searchParams.get('backfill'), String(LINK_BACKFILL));
  assert.equal(noCtx.searchParams.get('max'), '5000');
});

test('pageURL: defaults left out, a token never written', () => {
  for (const [args, want] of [
    [{ pathname: '/', filter: emptyFilter() }, '/'],
    [{ pathname: '/', filter: { ...emptyFilter(), service: 'api' }, backfill: 50 }, '/?service=api&backfill=50'],
    [{ pathname: '/v/', filter: emptyFilter(), since: 'S', target: 'T' }, '/v/?since=S#cursor=T'],
    [{ pathname: '/', filter: { ...emptyFilter(), q: 'x', hl: true } }, '/?q=x&hl=1'],
  ]) assert.equal(pageURL(args), want, JSON.stringify(args));
});

test('token: taken out of the search, the rest kept', () => {
  for (const [search, token, rest] of [
    ['?token=s3cret', 's3cret', ''],
    ['?level=warn&token=a%20b&q=x', 'a b', '?level=warn&q=x'],
    ['?level=warn', '', '?level=warn'],
    ['', '', ''],
  ]) {
    const got = takeToken(search);
    assert.equal(got.token, token, `token of ${search}`);
    assert.equal(got.search, rest, `rest of ${search}`);
  }
});

test('token store: session storage, memory when storage refuses', () => {
  const st = memStorage();
  const t = new TokenStore(st);
  assert.equal(t.get(), '');
  t.set('abc');
  assert.equal(new TokenStore(st).get(), 'abc', 'kept in the session storage');
  t.set('');
  assert.equal(st.m.size, 0, 'cleared');
  const b = new TokenStore(memStorage({ broken: true }));
  b.set('xyz');
  assert.equal(b.get(), 'xyz', 'kept in memory');
});

test('scroller geometry: padding, the scrollbar cap and virtual positions', () => {
  const g = geometry(1000, 400, true);
  assert.deepEqual(g, { content: 1000 + BOTTOM_PAD, spacerPx: 1000 + BOTTOM_PAD, scrollMax: 600 + BOTTOM_PAD, virtMax: 600 + BOTTOM_PAD });
  assert.equal(geometry(1000, 400, false).content, 1000 + PAUSED_PAD);
  assert.equal(geometry(0, 400, true).scrollMax, 0);
  // Beyond the cap the scrollbar is scaled: its end is the content's end.
  const big = geometry(10 * MAX_SCROLL_PX, 500, true);
  assert.equal(big.spacerPx, MAX_SCROLL_PX);
  assert.equal(virtualTop(big, big.scrollMax), big.virtMax);
  assert.equal(virtualTop(big, big.scrollMax / 2), big.virtMax / 2);
  assert.equal(virtualTop(geometry(0, 400, true), 10), 0);
});

test('filters: RE2 flags become JS flags; what JS cannot read is null', () => {
  for (const [src, want] of [
    ['(?i)timeout', '/timeout/i'],
    ['(?is)a.b', '/a.b/is'],
    ['(?P<id>\\d+)', '/(?<id>\\d+)/'],
    ['plain', '/plain/'],
    ['(?U)a+', null], // ungreedy: no JS equivalent
    ['(unclosed', null],
  ]) {
    const re = jsRegExp(src);
    assert.equal(re ? String(re) : null, want, src);
  }
  const m = matcher({ ...emptyFilter(), re: '(?i)timeout' });
  assert.deepEqual(m('upstream TIMEOUT here'), [9, 16]);
});

test('filters: the server refusal in plain words, with its field', () => {
  for (const [err, field, text] of [
    ['bad filter: invalid re: error parsing regexp: missing closing ): `(x`', 're', 'Not a valid regular expression: missing closing ): `(x`'],
    ['bad filter: unknown level "loud" (want trace, debug, info, warn, error or fatal)', 'level', 'Unknown level: "loud" (want trace, debug, info, warn, error or fatal)'],
    ['bad filter: q longer than 1024 bytes', 'q', 'The server refused it: q longer than 1024 bytes'],
    ['something else', '', 'The server refused the filter: something else'],
  ]) assert.deepEqual(refusal(err), { field, text }, err);
});

test('filters: the filter message asks for a refill; the socket URL carries the token', () => {
  const f = { ...emptyFilter(), level: 'warn' };
  assert.deepEqual(JSON.parse(filterMessage(f, 1000)), { type: 'filter', service: '', host: '', level: 'warn', q: '', re: '', backfill: 1000 });
  assert.equal(JSON.parse(filterMessage(f, 0)).backfill, undefined, 'backfill=0: no refill asked');
  const u = new URL(wsURL('https://h:8/view/?x=1#c', f, { backfill: 50, token: 'a b&c' }));
  assert.equal(u.protocol, 'wss:');
  assert.equal(u.pathname, '/view/ws');
  assert.equal(u.searchParams.get('token'), 'a b&c');
  assert.equal(u.searchParams.get('backfill'), '50');
  assert.equal(new URL(wsURL('http://h/', f, { since: 'S' })).searchParams.get('token'), null, 'no token: no key');
});

test('format: asWritten is the line as written', () => {
  const cases = [
    [{ msg: 'card declined', line: '{"level":"error","msg":"card declined"}' }, '{"level":"error","msg":"card declined"}'],
    [{ msg: 'plain line', line: null }, 'plain line'],
    [{ msg: 'x', line: 'x\r', lineBytes: btoa('ok \xff end') }, 'ok \ufffd end'],
    [{ msg: 'trace', line: 'Exception\n\tat a.b(C.java:1)  ' }, 'Exception\n\tat a.b(C.java:1)  '],
  ];
  for (const [item, want] of cases) assert.equal(asWritten(item), want, JSON.stringify(item));
});

test('filters: pattern and not_pattern go to the server and the URL only when set', () => {
  const f = { ...emptyFilter(), pattern: 'aaaaaaaaaaaaaaaa', not_pattern: 'bbbbbbbbbbbbbbbb,cccccccccccccccc' };
  const m = JSON.parse(filterMessage(f, 0));
  assert.equal(m.pattern, 'aaaaaaaaaaaaaaaa');
  assert.equal(m.not_pattern, 'bbbbbbbbbbbbbbbb,cccccccccccccccc');
  const u = new URL(wsURL('http://h/', f, {}));
  assert.equal(u.searchParams.get('pattern'), 'aaaaaaaaaaaaaaaa');
  assert.equal(u.searchParams.get('not_pattern'), 'bbbbbbbbbbbbbbbb,cccccccccccccccc');
  const back = fromURL(new URL('http://h/?pattern=a1&not_pattern=b1&not_pattern=b2'));
  assert.equal(back.filter.pattern, 'a1');
  assert.equal(back.filter.not_pattern, 'b1,b2');
  const plain = JSON.parse(filterMessage(emptyFilter(), 0));
  assert.ok(!('pattern' in plain) && !('not_pattern' in plain), 'no pattern keys when none is set');
});

test('patterns: the panel toggle, its label, and when the counts start', async () => {
  const { panelOpen, togglePanel, toggleLabel, sinceNote, WINDOW_MS } = await import('../static/patterns.js');
  for (const [state, narrow, open, next] of [
    ['', false, true, '0'], ['', true, false, '1'],
    ['1', true, true, '0'], ['1', false, true, '0'],
    ['0', false, false, '1'], ['0', true, false, '1'],
  ]) {
    assert.equal(panelOpen(state, narrow), open, `panelOpen(${state}, ${narrow})`);
    assert.equal(togglePanel(state, narrow), next, `togglePanel(${state}, ${narrow})`);
  }
  assert.equal(toggleLabel(null), 'patterns');
  assert.equal(toggleLabel({ distinct: 14, patterns: [{ new: true }, { new: false }, { new: true }] }), 'patterns 14 · 2 new');
  assert.equal(toggleLabel({ distinct: 3, patterns: [{}] }), 'patterns 3');
  const now = Date.UTC(2026, 11, 6, 8, 0, 0);
  const fmt = (ms) => new Date(ms).toISOString().slice(11, 19);
  assert.equal(sinceNote({ since: new Date(now - 60_000).toISOString() }, now, fmt), 'since 07:59:00');
  assert.equal(sinceNote({ since: new Date(now - WINDOW_MS - 1).toISOString() }, now, fmt), '', 'complete over the window');
  assert.equal(sinceNote({}, now, fmt), '', 'the server\'s counts');
  // The panel's state in the URL.
  assert.equal(fromURL({ search: '?patpanel=1', hash: '' }).panel, '1');
  assert.equal(fromURL({ search: '?patpanel=x', hash: '' }).panel, '');
  assert.equal(pageURL({ pathname: '/', filter: emptyFilter(), panel: '0' }), '/?patpanel=0');
  assert.equal(pageURL({ pathname: '/', filter: emptyFilter() }), '/');
});

// fakeEl is the part of an element the toolbar controls use; click() and
// submit() fire their listeners.
function fakeEl(value = '') {
  const on = {};
  return {
    value, textContent: '', title: '', hidden: true, dataset: {}, focused: 0,
    addEventListener(type, fn) { on[type] = fn; },
    focus() { this.focused++; },
    click() { on.click({}); },
    submit() { let prevented = false; on.submit({ preventDefault: () => { prevented = true; } }); return prevented; },
  };
}

test('prefs buttons: the zone and the theme change, are kept, and pass on the colours', () => {
  const st = memStorage();
  const prefs = new Prefs(st);
  const els = { tz: fakeEl(), theme: fakeEl() };
  const root = { dataset: {} };
  const css = { '--muted': ' #777 ', '--lv-error': '#f00', '--lv-info': '#0f0' };
  const style = () => ({ getPropertyValue: (k) => css[k] ?? '' });
  const view = { utc: false, theme: 'auto' };
  let tzChanges = 0;
  const colors = [];
  const b = new PrefButtons({ els, root, style, prefs, view, levels: ['error', 'info'], onTZ: () => tzChanges++, onColors: (c) => colors.push(c) });
  b.showTZ();
  b.applyTheme();
  assert.deepEqual([els.tz.textContent, els.tz.title], [tzLabel(false).text, tzLabel(false).title]);
  assert.equal(els.tz.textContent, 'local');
  assert.equal('theme' in root.dataset, false, 'auto: the system decides');
  assert.equal(els.theme.textContent, themeLabel('auto'));
  assert.deepEqual(colors, [{ axis: '#777', error: '#f00', info: '#0f0' }]);

  els.tz.click();
  assert.deepEqual([view.utc, prefs.utc, els.tz.textContent, tzChanges], [true, true, 'UTC', 1]);
  assert.equal(els.tz.title, 'Times in UTC (click for local time)');
  els.theme.click();
  assert.deepEqual([view.theme, root.dataset.theme, st.m.get('tailcast.theme')], ['dark', 'dark', 'dark']);
  assert.equal(els.theme.title, 'Theme: dark (click to change)');
  css['--lv-error'] = '#c00';
  els.theme.click();
  els.theme.click();
  assert.equal(view.theme, 'auto');
  assert.equal('theme' in root.dataset, false, 'back to auto: the attribute goes');
  assert.equal(colors.length, 4, 'each theme change passes the colours on');
  assert.equal(colors.at(-1).error, '#c00', 'as the theme gives them now');
  assert.deepEqual(levelColors({ getPropertyValue: () => '' }, ['warn']), { axis: '', warn: '' });
});

test('token prompt: asks after a 401, forgets a refused token, retries with the one entered', () => {
  const tokens = new TokenStore(memStorage());
  const els = { form: fakeEl(), input: fakeEl(), why: fakeEl() };
  let retries = 0;
  const p = new TokenPrompt({ els, tokens, onToken: () => retries++ });
  p.ask();
  assert.equal(els.form.hidden, false);
  assert.equal(els.why.textContent, 'This server needs an access token:');
  assert.equal(els.input.focused, 1);
  els.input.value = '   ';
  assert.equal(els.form.submit(), true, 'the page never submits');
  assert.deepEqual([retries, els.form.hidden], [0, false], 'blank: nothing happens');
  els.input.value = ' s3cret ';
  els.form.submit();
  assert.deepEqual([retries, els.form.hidden, els.input.value, tokens.get()], [1, true, '', 's3cret']);
  p.ask(); // the server refused it
  assert.equal(tokens.get(), '', 'a refused token is forgotten');
  assert.equal(els.why.textContent, 'The server refused this access token. Enter the right one:');
});
