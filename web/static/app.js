// The tailcast viewer. It speaks docs/protocol.md and nothing else.
//
// Data flow: websocket frames are split and decoded as they arrive (conn.js),
// in slices of a few milliseconds, and each entry goes straight into a
// bounded ring (ring.js), so memory is bounded even when the tab is hidden
// and never paints. The virtual scroller (scroller.js) paints at most once
// per animation frame and only the rows on screen, and rows.js fills them;
// this file holds the view's state, applies filters, and wires the controls.
//
// Modules: filters.js (filter state <-> URL and protocol, the filter in the
// browser), form.js (the filter form), permalink.js (links and the address
// bar), target.js (a permalink's line), prefs.js (time zone, theme),
// token.js (a --token server's access token), format.js (times and counts),
// status.js (connection state, counters, notice, toast), actions.js (copy,
// download), histogram.js (the rate bars), patterns.js (the Patterns
// panel), history.js, range.js and context.js (time ranges, where filters,
// context), rows.js (a row's contents), hooks.js (state for the browser
// tests).
//
// A permalink (see permalink.js) opens paused on its line. A line that is
// gone (retention, or out of the server's memory) is reported in a notice,
// and the view opens at the nearest line after it (watchTarget, target.js).

import { Ring } from './ring.js';
import { Conn } from './conn.js';
import { Histogram } from './histogram.js';
import { Scroller } from './scroller.js';
import { Prefs, nextTheme, themeLabel } from './prefs.js';
import { contextCursor, permalinkURL, pageURL } from './permalink.js';
import { TokenStore, takeToken } from './token.js';
import { fmtTime, fmtDate, fmtClock, fmtInt, asWritten } from './format.js';
import { FilterForm, describeFilter } from './form.js';
import { Status, countsText } from './status.js';
import { copyText as copy, ndjsonLines, download, downloadName } from './actions.js';
import { givenUp, goneText } from './target.js';
import { marker, growDropped } from './markers.js';
import { installKeys } from './keys.js';
import { installHooks } from './hooks.js';
import { HistoryView } from './history.js';
import { ContextPanel } from './context.js';
import { rangeFromURL, rangeParams, isRange, addWhere, whereFor, emptyRange } from './range.js';
import { PatternsPanel, panelOpen, togglePanel } from './patterns.js';
import { rowPainter, heightOf } from './rows.js';
import {
  LEVELS, LEVEL_RANK, fromURL, wsURL, filterMessage, serverFilter, matcher, refusal, jsRegExp, visible as visibleIn,
} from './filters.js';

const UNKNOWN = LEVEL_RANK.unknown;

const $ = (id) => document.getElementById(id);
const els = {
  scroller: $('scroller'), rows: $('rows'), track: $('track'), spacer: $('spacer'), live: $('live'), newCount: $('new-count'),
  notice: $('notice'), conn: $('conn'), connText: $('conn-text'), retry: $('retry'), counts: $('counts'), toast: $('toast'),
  form: $('filters'), fError: $('f-error'), q: $('f-q'), re: $('f-re'), level: $('f-level'), service: $('f-service'), host: $('f-host'),
  auth: $('auth'), authToken: $('auth-token'), authWhy: $('auth-why'),
  hl: $('f-hl'), tz: $('tz'), theme: $('theme'), download: $('download'), hist: $('hist'), filtersToggle: $('filters-toggle'),
};

const status = new Status({ conn: els.conn, connText: els.connText, retry: els.retry, notice: els.notice, toast: els.toast });
const notice = (text) => status.notice(text);
const toast = (text) => status.toast(text);
const form = new FilterForm({
  els: { form: els.form, fError: els.fError, q: els.q, re: els.re, level: els.level, service: els.service, host: els.host, hl: els.hl },
  current: () => view.filter,
  apply: (f) => setFilter(f),
});

// ---- state ----------------------------------------------------------------

// A ?token= leaves the address bar before anything else runs.
const tokens = new TokenStore(safeStorage('sessionStorage'));
{
  const t = takeToken(location.search);
  if (t.token) {
    tokens.set(t.token);
    history.replaceState(null, '', location.pathname + t.search + location.hash);
  }
}

const prefs = new Prefs(safeStorage('localStorage'));
const init = fromURL(location);
const view = {
  filter: init.filter, // what the inputs and URL say
  prevFilter: init.filter, // restored if the server refuses a filter
  match: matcher(init.filter),
  since: init.since,
  target: init.target, // permalink cursor, '' when none
  targetSeq: -1,
  targetPending: !!init.target,
  utc: prefs.utc,
  theme: prefs.theme(location.search),
  gen: 0, // bumped when every row must be refilled (time zone, highlight)
  narrow: false,
  refillOnConnect: false, // see urlFor
  range: rangeFromURL(location.search), // time range and where filters (range.js)
  rangeEnded: false, // the range's end came: a reconnect resumes live
  panel: init.panel, // the Patterns panel: '1' open, '0' closed, '' by width
};

const ring = new Ring(init.max);
const bySeq = new Map(); // cursor -> seq, for de-duplication and permalinks
const stats = { received: 0, duplicates: 0, gaps: 0, missed: 0, dropped: 0, droppedCount: 0, frames: 0, errors: 0, filtersSent: 0, helloCount: 0, lastCopied: '',
  maxPaintMs: 0 };

const rows = rowPainter({ ring, view, permalink });
const scroller = new Scroller(ring, els, {
  fill: rows.fill, isCurrent: rows.current, newRow: rows.newRow, onRelease: rows.release, afterPaint, onFollow,
});
if (view.target) scroller.following = false;

function onFollow(on) {
  if (on) {
    if (!view.targetPending) notice('');
    els.live.hidden = true;
  }
}

// ---- connection -------------------------------------------------------------

const conn = new Conn({
  // After a filter change the server could not be told (disconnected), the
  // next connection starts over like a fresh load (refill on its hello)
  // instead of resuming: resuming would leave holes where the old filter hid
  // lines.
  urlFor: (lastCursor) => {
    // A range query starts over until its end came; after it, a reconnect
    // resumes after the last entry like live.
    const scanning = isRange(view.range) && !view.rangeEnded;
    const u = new URL(wsURL(location.href, view.filter, {
      since: scanning || view.refillOnConnect ? '' : lastCursor || view.since,
      backfill: scanning ? 0 : init.backfill,
      token: tokens.get(),
    }));
    rangeParams(u.searchParams, scanning ? view.range : { ...emptyRange(), where: view.range.where }, { protocol: true });
    return u.toString();
  },
  onObject,
  onState: showState,
  onUnauthorized: askToken,
});

const patterns = new PatternsPanel({
  el: $('patterns'),
  button: $('patterns-toggle'),
  fmt: (ms) => fmtClock(ms, { utc: view.utc }),
  filter: () => view.filter,
  setPatterns: (p) => setFilter({ ...view.filter, ...p }),
  send: (text) => conn.send(text),
});

// askToken shows the token prompt after a 401: the token was missing, or the
// one kept for this tab was refused (it is forgotten then).
function askToken() {
  const had = tokens.get();
  tokens.set('');
  els.authWhy.textContent = had ? 'The server refused this access token. Enter the right one:' : 'This server needs an access token:';
  els.auth.hidden = false;
  els.authToken.value = '';
  els.authToken.focus();
}

els.auth.addEventListener('submit', (ev) => {
  ev.preventDefault();
  const t = els.authToken.value.trim();
  if (!t) return;
  tokens.set(t);
  els.authToken.value = '';
  els.auth.hidden = true;
  conn.retryNow();
});

function onObject(o) {
  if (hv.handle(o)) {
    if (o.type === 'end') rangeEnd(o);
    return;
  }
  switch (o.type) {
    case 'entry': addEntry(o); break;
    case 'gap':
      stats.gaps++; stats.missed += o.missed | 0;
      addMarker('gap', `gap: ${fmtInt(o.missed | 0)} entries are no longer in Kafka and were missed`);
      break;
    case 'dropped':
      stats.dropped++; stats.droppedCount += o.count | 0;
      addDropped(o.count | 0);
      break;
    case 'error':
      stats.errors++;
      addMarker('error', `server refused: ${o.error}`);
      refused(o.error);
      break;
    case 'refill': refill(); break;
    case 'patterns': patterns.update(o); break;
    case 'hello':
      stats.helloCount++;
      patterns.subscribe();
      if (view.refillOnConnect) { view.refillOnConnect = false; refill(); break; }
      if (view.targetPending && stats.helloCount === 1) { target.helloAt = performance.now(); watchTarget(); }
      if (stats.helloCount > 1) addMarker('info', `reconnected at ${fmtTime(Date.now(), { utc: view.utc, short: true })}; resumed after the last line received`);
      break;
  }
}

// ---- history: ranges, where, context (history.js, context.js) ----------

const hv = new HistoryView({
  els: {
    picker: $('range'), from: $('range-from'), to: $('range-to'), apply: $('range-apply'), wheres: $('wheres'),
    status: $('hstatus'), golive: $('golive'), rhist: $('rhist'),
  },
  levels: LEVELS,
  fmt: (ms) => fmtTime(ms, { utc: view.utc }),
  onRange: (r) => setRange(r),
  onJump: (ms) => jumpTo(ms),
  onGoLive: () => goLive(),
});

const ctx = new ContextPanel({
  els: {
    panel: $('ctx'), title: $('ctx-title'), list: $('ctx-list'), above: $('ctx-above'), below: $('ctx-below'),
    close: $('ctx-close'), status: $('ctx-status'),
  },
  fmt: (ms) => fmtTime(ms, { utc: view.utc }),
  urlFor: (params) => {
    const u = new URL(wsURL(location.href, { service: '', host: '', level: '', q: '', re: '', hl: false }, { token: tokens.get() }));
    for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
    return u.toString();
  },
});

// setRange starts a new query for range r (a range, or live with its where
// filters): the view starts over.
function setRange(r) {
  view.range = r;
  view.rangeEnded = false;
  view.since = '';
  view.target = ''; view.targetPending = false; view.targetSeq = -1;
  conn.stop();
  conn.lastCursor = '';
  refill();
  hv.show(r);
  syncURL();
  conn.start();
}

// rangeEnd: with to, the range is all there is; without, live follows.
function rangeEnd(o) {
  view.rangeEnded = true;
  if (view.range.to) conn.stop();
  if ((o.sent | 0) === 0) addMarker('info', 'no entries in this range');
  else addMarker('info', `end of range: ${fmtInt(o.sent | 0)} entries`);
}

// goLive continues the range live from its last entry: since= its cursor
// resumes exactly, with no gap and no duplicate.
function goLive() {
  view.range = { ...emptyRange(), where: view.range.where };
  view.rangeEnded = true;
  hv.show(view.range);
  syncURL();
  addMarker('info', 'live from here');
  conn.stop();
  conn.start();
  scroller.follow();
}

// jumpTo shows the loaded entry nearest after ms (entries come in each
// partition's order, which is nearly, not exactly, time order), or, when
// none is loaded (the range's limit left that part out), asks for the range
// from there.
function jumpTo(ms) {
  let found = -1;
  let best = Infinity;
  ring.forEach((it, seq) => {
    if (it.k !== 0 || it.hidden) return;
    const t = Date.parse(it.ts);
    if (t >= ms && t < best) { best = t; found = seq; }
  });
  if (found >= 0) { scroller.show(found, 0); return; }
  setRange({ ...view.range, from: new Date(ms).toISOString() });
}

// addFieldFilter adds "key = value" (or "!=") to the where filters.
function addFieldFilter(key, value, negate) {
  setRange(addWhere(view.range, whereFor(key, value, negate)));
}

// refill starts the view over, as a fresh load does: the server follows
// {"type":"refill"} with the newest entries it holds for the new filter, then
// live ones, so nothing loaded under the old filter is kept (it would leave
// holes where the old filter hid lines, or duplicate them).
function refill() {
  ring.clear();
  bySeq.clear();
  hist.clear();
  target.firstSeq = -1;
  scroller.reset();
  addMarker('info', `filter: ${describeFilter(view.filter)}`);
}

// refused shows the server's refusal of a filter next to the fields. The
// server keeps its previous filter, so the view (URL, rows) goes back to it,
// while the inputs keep what the user typed, to be corrected.
function refused(error) {
  form.refused(refusal(error));
  document.body.classList.add('show-filters');
  applyFilter(view.prevFilter);
}

function addEntry(o) {
  stats.received++;
  if (bySeq.has(o.cursor)) { stats.duplicates++; return; }
  const msg = typeof o.msg === 'string' ? o.msg : String(o.msg ?? '');
  let lines = 1;
  for (let i = msg.indexOf('\n'); i >= 0; i = msg.indexOf('\n', i + 1)) lines++;
  const lv = LEVEL_RANK[o.level] ?? UNKNOWN;
  const item = {
    k: 0, cursor: o.cursor, ts: o.ts || '', service: o.service || '', host: o.host || '', source: o.source || '',
    level: lv, msg, lines, fields: o.fields && typeof o.fields === 'object' ? o.fields : null,
    // The line as written; the server leaves it out when it is msg itself.
    line: typeof o.line === 'string' ? o.line : null,
    lineBytes: typeof o.line_bytes === 'string' ? o.line_bytes : null,
    truncated: o.truncated === true, open: false, hidden: false,
    pattern: typeof o.pattern === 'string' ? o.pattern : '', newPat: o.new === true,
  };
  item.hidden = !visible(item);
  const seq = push(item);
  bySeq.set(o.cursor, seq);
  const ms = Date.parse(item.ts);
  hist.add(lv, seq, Number.isNaN(ms) ? Date.now() : ms);
  if (view.target) {
    target.lastEntryAt = performance.now();
    if (target.firstSeq < 0) target.firstSeq = seq;
    if (o.cursor === view.target && view.targetSeq < 0) {
      // Found, possibly after the viewer gave up on it (a slow replay): show
      // it unless the user has gone elsewhere since.
      const jump = view.targetPending || (!scroller.following && scroller.anchor.seq === target.firstSeq);
      view.targetPending = false;
      view.targetSeq = seq;
      item.hidden = false;
      ring.setHeight(seq, heightOf(item));
      notice('');
      if (jump) scroller.show(seq, -1); // -1: centre it on the next paint
    }
  }
  scroller.schedule();
}

// ---- permalink target (target.js) -----------------------------------------

const target = {
  firstSeq: -1, // first entry received since the page opened
  lastEntryAt: 0,
  helloAt: 0,
  timer: 0,
};

function watchTarget() {
  clearTimeout(target.timer);
  if (!view.targetPending) return;
  if (!givenUp({ now: performance.now(), lastEntryAt: target.lastEntryAt, helloAt: target.helloAt })) {
    target.timer = setTimeout(watchTarget, 250);
    return;
  }
  view.targetPending = false;
  const nearest = ring.has(target.firstSeq);
  notice(goneText(stats.missed > 0, nearest));
  if (nearest) scroller.show(target.firstSeq, 0);
  else scroller.follow();
  scroller.schedule(true);
}

// addDropped grows the dropped marker just before, when no entry came in
// between, or adds one (markers.js).
function addDropped(n) {
  if (growDropped(ring, n)) scroller.schedule();
  else addMarker('dropped', '', { count: n, v: 0 });
}

function addMarker(kind, text, extra) {
  const seq = push(marker(kind, text, extra));
  // A gap before the linked line explains where it went: show it first.
  if (view.targetPending && kind === 'gap' && target.firstSeq < 0) target.firstSeq = seq;
  scroller.schedule();
}

function push(item) {
  const [seq, evicted] = ring.push(item, heightOf(item));
  if (evicted && evicted.k === 0) bySeq.delete(evicted.cursor);
  if (!item.hidden) scroller.added();
  return seq;
}

// visible is the current filter applied in the browser, to rows that arrived
// under an earlier filter (the server applies it to everything after).
function visible(item) {
  return visibleIn(item, view.filter, view.match);
}

// ---- filters and URL ------------------------------------------------------

// setFilter applies the filter the inputs say. The server judges it (RE2,
// not the browser's regex engine): a refusal comes back as an error reply
// (refused).
function setFilter(f) {
  const before = JSON.stringify(serverFilter(view.filter));
  const sf = serverFilter(f);
  const changed = JSON.stringify(sf) !== before;
  if (!changed && JSON.stringify(f) === JSON.stringify(view.filter)) {
    // Back to the filter in force (say Escape after a refusal): nothing
    // refused is left in the inputs.
    if (form.refusedByServer) form.clear();
    return;
  }
  if (changed) {
    form.clear();
    view.prevFilter = view.filter;
  }
  applyFilter(f);
  form.write(f);
  // A range is queried again under the new filter; so is a where filter,
  // which the filter message (filters.js) does not carry.
  if (changed && (isRange(view.range) || view.range.where.length)) { setRange(view.range); return; }
  // Highlight-only never reaches the server: the browser's engine is the
  // judge of what it can mark.
  form.highlightOnly(f, !f.re || !!jsRegExp(f.re));
  if (changed) {
    if (conn.send(filterMessage(f, init.backfill))) stats.filtersSent++;
    else if (init.backfill > 0) view.refillOnConnect = true;
    addMarker('info', `filter: ${describeFilter(f)}`);
  }
}

// applyFilter makes f the view's filter: the rows held, the marks, the URL.
function applyFilter(f) {
  view.filter = f;
  view.match = matcher(f);
  // A changed view makes a permalink's since/#cursor stale.
  view.since = '';
  view.target = ''; view.targetPending = false; view.targetSeq = -1;
  notice('');
  syncURL();
  refilter();
  patterns.render();
}

// refilter re-applies the filter to the rows held: a hidden row has height 0,
// so the ring skips it without a second index.
function refilter() {
  ring.forEach((item, seq) => {
    const h = !visible(item);
    if (h !== item.hidden) { item.hidden = h; ring.setHeight(seq, heightOf(item)); }
  });
  view.gen++;
  scroller.schedule(true);
}

function syncURL() {
  const u = new URL(pageURL({
    pathname: location.pathname, filter: view.filter, backfill: init.backfill, max: init.max,
    since: view.since, target: view.target, panel: view.panel,
  }), location.href);
  rangeParams(u.searchParams, view.range);
  history.replaceState(null, '', u.pathname + u.search + u.hash);
}

els.filtersToggle.addEventListener('click', () => {
  document.body.classList.toggle('show-filters');
  scroller.schedule(true);
});

// ---- rows -----------------------------------------------------------------

let lastCountsAt = 0;
let countsTimer = 0;
const COUNTS_MS = 250;

function afterPaint(wasUrgent, frameTime) {
  hist.draw(Date.now());
  // The counters change with every line: they are written a few times a
  // second, and the last change is never left out.
  if (wasUrgent || frameTime - lastCountsAt >= COUNTS_MS) {
    lastCountsAt = frameTime;
    clearTimeout(countsTimer); countsTimer = 0;
    showCounts();
  } else if (!countsTimer) {
    countsTimer = setTimeout(() => { countsTimer = 0; lastCountsAt = performance.now(); showCounts(); }, COUNTS_MS);
  }
  stats.maxPaintMs = scroller.maxPaintMs;
}

// The Patterns panel: beside the stream on a wide screen, a drawer over it
// on a narrow one, opened and closed by the toolbar's toggle.
const panelMQ = matchMedia('(max-width: 900px)');
function showPanel() {
  document.body.classList.toggle('patterns-hidden', !panelOpen(view.panel, panelMQ.matches));
  scroller.schedule(true);
}
panelMQ.addEventListener('change', showPanel);
$('patterns-toggle').addEventListener('click', () => {
  view.panel = togglePanel(view.panel, panelMQ.matches);
  showPanel();
  syncURL();
});

const narrowMQ = matchMedia('(max-width: 700px)');
narrowMQ.addEventListener('change', () => { view.narrow = narrowMQ.matches; view.gen++; scroller.schedule(true); });
view.narrow = narrowMQ.matches;

// ---- pointer ----------------------------------------------------------------

els.live.addEventListener('click', () => scroller.follow());

// Permalinks are built when a row's actions show, not on every fill.
els.rows.addEventListener('pointerover', (ev) => {
  const row = ev.target.closest('.row');
  if (row && row._seq >= 0 && ring.get(row._seq)?.k === 0) rows.showActs(row);
});

els.rows.addEventListener('click', (ev) => {
  const row = ev.target.closest('.row');
  if (!row || row._seq < 0) return;
  const item = ring.get(row._seq);
  if (!item || item.k !== 0) return;
  if (ev.target.closest('.copy')) { copyText(asWritten(item)); return; }
  if (ev.target.closest('.show-ctx')) { ctx.open(item); return; }
  const fv = ev.target.closest('.fv');
  if (fv && item.fields) { addFieldFilter(fv.dataset.key, item.fields[fv.dataset.key], fv.dataset.neg === '1'); return; }
  if (ev.target.closest('.link')) {
    ev.preventDefault();
    copyText(permalink(row._seq), 'Permalink copied');
    return;
  }
  // Selecting text, not toggling: a drag, or the second and third clicks of
  // a double or triple click.
  if (ev.detail > 1 || getSelection().toString()) { clearTimeout(collapseTimer); return; }
  if (item.open) {
    // Collapse only once it is clear this click is not the first of a
    // double click that selects a value: an open row is being read.
    clearTimeout(collapseTimer);
    const seq = row._seq;
    collapseTimer = setTimeout(() => { if (!getSelection().toString()) toggle(seq, false); }, DOUBLE_CLICK_MS);
    return;
  }
  toggle(row._seq, true);
});

const DOUBLE_CLICK_MS = 300;
let collapseTimer = 0;

function toggle(seq, open) {
  const item = ring.get(seq);
  if (!item || item.open === open) return;
  item.open = open;
  item.measured = 0;
  ring.setHeight(seq, heightOf(item));
  if (open) { scroller.pause(); scroller.reveal = seq; }
  scroller.schedule(true);
}

const hist = new Histogram(els.hist, LEVELS, {
  ...histFormat(),
  onPick: (sec, seq) => {
    if (!ring.has(seq)) { toast('That second is no longer in the buffer'); return; }
    let s = seq;
    while (s < ring.tail && ring.height(s) === 0) s++;
    if (s >= ring.tail) { toast('Nothing visible from that second with this filter'); return; }
    scroller.show(s, 0);
  },
});

// histFormat formats the histogram's times in the zone the user chose.
function histFormat() {
  const utc = view.utc;
  return {
    fmtTip: (ms) => `${fmtDate(ms, { utc })} ${fmtClock(ms, { utc })}${utc ? ' UTC' : ''}`,
    fmtTick: (ms, minutes) => fmtClock(ms, { utc, minutes }),
  };
}

// ---- keyboard (keys.js) ---------------------------------------------------

installKeys(document, {
  // Escape clears a filter input and applies that at once.
  escape: (t) => form.clearInput(t),
  actions: {
    search: () => { document.body.classList.add('show-filters'); els.q.focus(); els.q.select(); },
    pause: () => { if (scroller.following) scroller.pause(); else scroller.follow(); },
    live: () => scroller.follow(),
    oldest: () => scroller.show(ring.head, 0),
  },
});

// ---- actions --------------------------------------------------------------

async function copyText(text, done = 'Copied') {
  stats.lastCopied = text;
  await copy(text);
  toast(done);
}

function permalink(seq) {
  return permalinkURL({
    origin: location.origin, pathname: location.pathname, filter: view.filter,
    cursor: ring.get(seq).cursor, ctx: contextCursor(ring, seq), max: init.max,
  });
}

els.download.addEventListener('click', () => download(ndjsonLines(ring, LEVELS), downloadName(Date.now())));

els.tz.addEventListener('click', () => {
  view.utc = !view.utc;
  prefs.utc = view.utc;
  showTZ();
  const f = histFormat();
  hist.setFormat(f.fmtTip, f.fmtTick);
  hist.draw(Date.now(), true);
  view.gen++;
  scroller.schedule(true);
});

function showTZ() {
  els.tz.textContent = view.utc ? 'UTC' : 'local';
  els.tz.title = view.utc ? 'Times in UTC (click for local time)' : 'Times in local time (click for UTC)';
}

els.theme.addEventListener('click', () => {
  view.theme = nextTheme(view.theme);
  prefs.set('theme', view.theme);
  applyTheme();
});
matchMedia('(prefers-color-scheme: dark)').addEventListener('change', applyTheme);

function applyTheme() {
  const theme = view.theme;
  if (theme === 'auto') delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = theme;
  els.theme.textContent = themeLabel(theme);
  els.theme.title = `Theme: ${theme} (click to change)`;
  const cs = getComputedStyle(document.documentElement);
  const colors = { axis: cs.getPropertyValue('--muted').trim() };
  for (const l of LEVELS) colors[l] = cs.getPropertyValue('--lv-' + l).trim();
  hist.setColors(colors);
  hv.setColors(colors);
  hist.draw(Date.now(), true);
  scroller.schedule(true);
}

// ---- status ---------------------------------------------------------------

function showState(state, d) {
  status.state(state, d, () => ({ rangeDone: view.rangeEnded && !!view.range.to }));
}
els.retry.addEventListener('click', () => conn.retryNow());

let lastCounts = '';
function showCounts() {
  const s = countsText(ring.size, ring.cap, stats);
  if (s !== lastCounts) { els.counts.textContent = s; lastCounts = s; }
  // A range with an end has no live to go back to ("go live from here" does).
  if (!scroller.following && !(isRange(view.range) && view.range.to)) {
    els.live.hidden = false;
    els.newCount.textContent = fmtInt(scroller.newWhilePaused);
  }
}

// safeStorage is window[name], or null where reading it throws (storage
// disabled).
function safeStorage(name) {
  try { return window[name]; } catch { return null; }
}

// ---- start ----------------------------------------------------------------

installHooks({ conn, stats, ring, view, scroller, els, hist, bySeq, permalink, LEVELS });
if (window.tailcast) {
  window.tailcast.history = {
    get range() { return { ...view.range, where: [...view.range.where] }; },
    get ended() { return hv.ended; },
    get histogram() { return hv.hist; },
    get progress() { return hv.progress; },
  };
}
hv.show(view.range);
showPanel();
form.write(view.filter);
showTZ();
applyTheme();
syncURL();
if (view.target) { els.live.hidden = false; notice('Opening the linked line…'); }
conn.start();
setInterval(() => hist.draw(Date.now()), 1000);
