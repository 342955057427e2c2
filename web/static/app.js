// The tailcast viewer. It speaks docs/protocol.md and nothing else.
//
// Data flow: websocket frames are split and decoded as they arrive (conn.js),
// in slices of a few milliseconds, and each entry goes straight into a
// bounded ring (ring.js), so memory is bounded even when the tab is hidden
// and never paints. The virtual scroller (scroller.js) paints at most once
// per animation frame and only the rows on screen, and rows.js fills them;
// this file holds the view's state, applies filters, and wires the modules.
//
// Modules: filters.js (filter state <-> URL and protocol, the filter in the
// browser), form.js (the filter form), permalink.js (links and the address
// bar), feed.js (entries and markers into the ring), target.js (a
// permalink's line), prefs.js (time zone, theme and their buttons), token.js
// (a --token server's access token and its prompt), format.js (times and
// counts), status.js (connection state, counters, notice, toast), actions.js
// (copy, download), histogram.js (the rate bars), patterns.js (the Patterns
// panel), history.js, range.js, timeline.js and context.js (time ranges,
// where filters, live or a range, context), rows.js (a row's contents),
// pointer.js (clicks on rows), keys.js (the keyboard), hooks.js (state for
// the browser tests).
//
// A permalink (see permalink.js) opens paused on its line. A line that is
// gone (retention, or out of the server's memory) is reported in a notice,
// and the view opens at the nearest line after it (TargetWatch, target.js).

import { Ring } from './ring.js';
import { Conn } from './conn.js';
import { Histogram } from './histogram.js';
import { Scroller } from './scroller.js';
import { Prefs, PrefButtons } from './prefs.js';
import { contextCursor, permalinkURL, pageURL } from './permalink.js';
import { TokenStore, TokenPrompt, takeToken } from './token.js';
import { fmtTime, fmtClock, fmtInt, asWritten, histFormat } from './format.js';
import { FilterForm, describeFilter } from './form.js';
import { Status, CountsThrottle, countsText } from './status.js';
import { copyText as copy, ndjsonLines, download, downloadName } from './actions.js';
import { TargetWatch } from './target.js';
import { Feed } from './feed.js';
import { installKeys } from './keys.js';
import { installPointer } from './pointer.js';
import { installHooks } from './hooks.js';
import { HistoryView } from './history.js';
import { ContextPanel, contextURL } from './context.js';
import { rangeFromURL, rangeParams, isRange } from './range.js';
import { Timeline, liveRange } from './timeline.js';
import { PatternsPanel, panelOpen, togglePanel } from './patterns.js';
import { rowPainter, heightOf } from './rows.js';
import {
  LEVELS, fromURL, wsURL, filterMessage, serverFilter, matcher, refusal, jsRegExp,
} from './filters.js';

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

const hist = new Histogram(els.hist, LEVELS, {
  ...histFormat(view.utc),
  onPick: (sec, seq) => {
    if (!ring.has(seq)) { toast('That second is no longer in the buffer'); return; }
    let s = seq;
    while (s < ring.tail && ring.height(s) === 0) s++;
    if (s >= ring.tail) { toast('Nothing visible from that second with this filter'); return; }
    scroller.show(s, 0);
  },
});

const target = new TargetWatch({ view, ring, scroller, notice, missed: () => stats.missed > 0 });
const feed = new Feed({ ring, bySeq, view, stats, hist, scroller, target });

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
    rangeParams(u.searchParams, scanning ? view.range : liveRange(view.range), { protocol: true });
    return u.toString();
  },
  onObject,
  onState: showState,
  onUnauthorized: () => tokenPrompt.ask(),
});

const tokenPrompt = new TokenPrompt({
  els: { form: els.auth, input: els.authToken, why: els.authWhy },
  tokens,
  onToken: () => conn.retryNow(),
});

const patterns = new PatternsPanel({
  el: $('patterns'),
  button: $('patterns-toggle'),
  fmt: (ms) => fmtClock(ms, { utc: view.utc }),
  filter: () => view.filter,
  setPatterns: (p) => setFilter({ ...view.filter, ...p }),
  send: (text) => conn.send(text),
});

function onObject(o) {
  if (hv.handle(o)) {
    if (o.type === 'end') timeline.ended(o);
    return;
  }
  switch (o.type) {
    case 'entry': feed.entry(o); break;
    case 'gap':
      stats.gaps++; stats.missed += o.missed | 0;
      addMarker('gap', `gap: ${fmtInt(o.missed | 0)} entries are no longer in Kafka and were missed`);
      break;
    case 'dropped':
      stats.dropped++; stats.droppedCount += o.count | 0;
      feed.dropped(o.count | 0);
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
      if (view.targetPending && stats.helloCount === 1) target.hello();
      if (stats.helloCount > 1) addMarker('info', `reconnected at ${fmtTime(Date.now(), { utc: view.utc, short: true })}; resumed after the last line received`);
      break;
  }
}

// ---- history: ranges, where, context (history.js, timeline.js, context.js) --

const hv = new HistoryView({
  els: {
    picker: $('range'), from: $('range-from'), to: $('range-to'), apply: $('range-apply'), wheres: $('wheres'),
    status: $('hstatus'), golive: $('golive'), rhist: $('rhist'),
  },
  levels: LEVELS,
  fmt: (ms) => fmtTime(ms, { utc: view.utc }),
  onRange: (r) => timeline.setRange(r),
  onJump: (ms) => timeline.jumpTo(ms),
  onGoLive: () => timeline.goLive(),
});

const timeline = new Timeline({ view, controls: hv, conn, ring, scroller, refill, syncURL, addMarker });

const ctx = new ContextPanel({
  els: {
    panel: $('ctx'), title: $('ctx-title'), list: $('ctx-list'), above: $('ctx-above'), below: $('ctx-below'),
    close: $('ctx-close'), status: $('ctx-status'),
  },
  fmt: (ms) => fmtTime(ms, { utc: view.utc }),
  urlFor: (params) => contextURL(location.href, tokens.get(), params),
});

// refill starts the view over, as a fresh load does: the server follows
// {"type":"refill"} with the newest entries it holds for the new filter, then
// live ones, so nothing loaded under the old filter is kept (it would leave
// holes where the old filter hid lines, or duplicate them).
function refill() {
  feed.clear();
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

function addMarker(kind, text, extra) { feed.marker(kind, text, extra); }

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
  if (changed && (isRange(view.range) || view.range.where.length)) { timeline.setRange(view.range); return; }
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
  feed.refilter();
  patterns.render();
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

const counts = new CountsThrottle(showCounts);

function afterPaint(wasUrgent, frameTime) {
  hist.draw(Date.now());
  counts.painted(wasUrgent, frameTime);
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

installPointer(els.rows, {
  ring,
  selected: () => getSelection().toString(),
  on: {
    showActs: (row) => rows.showActs(row),
    copy: (item) => copyText(asWritten(item)),
    context: (item) => ctx.open(item),
    field: (key, value, negate) => timeline.addFieldFilter(key, value, negate),
    link: (seq) => copyText(permalink(seq), 'Permalink copied'),
    toggle,
  },
});

// toggle opens or closes the row seq; opening pauses, so the row stays put
// while it is read.
function toggle(seq, open) {
  const item = ring.get(seq);
  if (!item || item.open === open) return;
  item.open = open;
  item.measured = 0;
  ring.setHeight(seq, heightOf(item));
  if (open) { scroller.pause(); scroller.reveal = seq; }
  scroller.schedule(true);
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

const prefButtons = new PrefButtons({
  els: { tz: els.tz, theme: els.theme },
  root: document.documentElement,
  style: () => getComputedStyle(document.documentElement),
  prefs, view, levels: LEVELS,
  onTZ: () => {
    const f = histFormat(view.utc);
    hist.setFormat(f.fmtTip, f.fmtTick);
    hist.draw(Date.now(), true);
    view.gen++;
    scroller.schedule(true);
  },
  onColors: (colors) => {
    hist.setColors(colors);
    hv.setColors(colors);
    hist.draw(Date.now(), true);
    scroller.schedule(true);
  },
});
matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => prefButtons.applyTheme());

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

installHooks({ conn, stats, ring, view, scroller, els, hist, hv, bySeq, permalink, LEVELS });
hv.show(view.range);
showPanel();
form.write(view.filter);
prefButtons.showTZ();
prefButtons.applyTheme();
syncURL();
if (view.target) { els.live.hidden = false; notice('Opening the linked line…'); }
conn.start();
setInterval(() => hist.draw(Date.now()), 1000);
