// The tailcast viewer. It speaks docs/protocol.md and nothing else.
//
// Data flow: websocket frames are split and decoded as they arrive (conn.js),
// in slices of a few milliseconds, and each entry goes straight into a
// bounded ring (ring.js), so memory is bounded even when the tab is hidden
// and never paints. Painting happens at most once per animation frame (every
// 50-100 ms while following) and touches only the rows on screen: row
// elements are keyed to entries, rows already shown are neither refilled nor
// moved, and the view scrolls by translating one container (see drawRows).
// Nothing reads layout after writing it in the same frame.
//
// Permalinks: a line's permalink is the page URL with the current filters,
// since=<cursor of an entry about CONTEXT rows before it> and
// #cursor=<the line's cursor>. Opening it connects with that since, so the
// server replays the context before the line, the line, and everything after
// it; the viewer starts paused, scrolls the line to the middle and marks it.
// Cursors are Kafka positions, so the link works on any replica for as long
// as Kafka retains the line. When the line is the oldest loaded there is no
// earlier cursor and the link falls back to the server's backfill. A line
// that is gone (retention, or out of the server's memory) is reported in a
// notice, and the view opens at the nearest line after it (watchTarget).

import { Ring } from './ring.js';
import { Conn } from './conn.js';
import { Histogram } from './histogram.js';
import {
  LEVELS, LEVEL_RANK, DEFAULT_BACKFILL, DEFAULT_MAX, fromURL, wsURL, filterMessage, pageQuery,
  serverFilter, matcher, regexProblem,
} from './filters.js';

const ROW_H = 20; // px; style.css --row-h must match
const PREVIEW_LINES = 8; // a collapsed multi-line entry shows at most this many
const PREVIEW_CHARS = 1200; // and at most this many characters
const CONTEXT = 50; // permalink context rows before the line
const MAX_SCROLL_PX = 15_000_000; // browsers cap element heights near 33M px
const BOTTOM_PAD = 8;
const PAUSED_PAD = 52; // room below the last row for the floating "back to live" button
const UNKNOWN = LEVEL_RANK.unknown;

const $ = (id) => document.getElementById(id);
const els = {
  scroller: $('scroller'), rows: $('rows'), track: $('track'), spacer: $('spacer'), live: $('live'), newCount: $('new-count'),
  notice: $('notice'), conn: $('conn'), connText: $('conn-text'), retry: $('retry'), counts: $('counts'), toast: $('toast'),
  form: $('filters'), q: $('f-q'), re: $('f-re'), level: $('f-level'), service: $('f-service'), host: $('f-host'),
  hl: $('f-hl'), tz: $('tz'), theme: $('theme'), download: $('download'), hist: $('hist'), filtersToggle: $('filters-toggle'),
};

// ---- state ----------------------------------------------------------------

const init = fromURL(location);
let filter = init.filter; // what the inputs and URL say
let sentFilter = serverFilter(filter); // last filter the server was told
let prevFilter = filter; // restored if the server refuses a filter
let match = matcher(filter);
let since = init.since;
let target = init.target; // permalink cursor, '' when none
let targetSeq = -1;
let targetPending = !!target;

const ring = new Ring(init.max);
const bySeq = new Map(); // cursor -> seq, for de-duplication and permalinks
const stats = { received: 0, duplicates: 0, gaps: 0, missed: 0, dropped: 0, droppedCount: 0, frames: 0, errors: 0, filtersSent: 0, helloCount: 0, lastCopied: '',
  maxPaintMs: 0 };

let following = !target;
let anchor = { seq: -1, delta: 0 }; // what stays put on screen while paused
let reveal = -1; // an expanded row to bring fully into view
let newWhilePaused = 0;
let utc = pref('tz', 'local') === 'utc';
let gen = 0; // bumped when every row must be refilled (time zone, highlight)
let lastSetScrollTop = -1;
let rafPending = false;
let vh = 0; // scroller height, from a ResizeObserver
let scrollTop = 0; // the scroller's, as last set or seen

// ---- connection -------------------------------------------------------------

const conn = new Conn({
  urlFor: (lastCursor) => wsURL(location.href, filter, {
    since: lastCursor || since,
    backfill: init.backfill,
  }),
  onObject,
  onState: showState,
});

function onObject(o) {
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
      toast(`Server refused the filter: ${o.error}`);
      // The server keeps its old filter: show that one again.
      setFilter(prevFilter, { send: false });
      break;
    case 'hello':
      stats.helloCount++;
      if (targetPending && stats.helloCount === 1) { helloAt = performance.now(); watchTarget(); }
      if (stats.helloCount > 1) addMarker('info', `reconnected at ${fmtTime(Date.now(), true)}; resumed after the last line received`);
      sentFilter = serverFilter(filter);
      break;
  }
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
    truncated: o.truncated === true, open: false, hidden: false,
  };
  item.hidden = !visible(item);
  const seq = push(item);
  bySeq.set(o.cursor, seq);
  hist.add(lv, seq, Date.now());
  if (target) {
    lastEntryAt = performance.now();
    if (firstSeq < 0) firstSeq = seq;
    if (o.cursor === target && targetSeq < 0) {
      // Found, possibly after the viewer gave up on it (a slow replay): show
      // it unless the user has gone elsewhere since.
      const jump = targetPending || (!following && anchor.seq === firstSeq);
      targetPending = false;
      targetSeq = seq;
      item.hidden = false;
      ring.setHeight(seq, heightOf(item));
      notice('');
      if (jump) {
        following = false;
        anchor = { seq, delta: -1 }; // -1: centre it on the next paint
      }
    }
  }
  schedule();
}

// ---- permalink target ---------------------------------------------------

// The server replays from the link's since, so the linked line comes among
// the first entries. When the replay is over (nothing more for TARGET_IDLE_MS)
// or TARGET_GIVE_UP_MS went by without it, the line is no longer held (Kafka
// retention, or the server's memory for a link without since): say so and
// show the nearest line after it, instead of waiting for ever.
const TARGET_IDLE_MS = 1500;
const TARGET_GIVE_UP_MS = 8000;
let firstSeq = -1; // first entry received since the page opened
let lastEntryAt = 0;
let helloAt = 0;
let targetTimer = 0;

function watchTarget() {
  clearTimeout(targetTimer);
  if (!targetPending) return;
  const now = performance.now();
  const idle = lastEntryAt ? now - lastEntryAt : now - helloAt;
  if (idle < TARGET_IDLE_MS && now - helloAt < TARGET_GIVE_UP_MS) {
    targetTimer = setTimeout(watchTarget, 250);
    return;
  }
  targetPending = false;
  const why = stats.missed > 0 ? 'Kafka no longer has it' : 'the server no longer holds it';
  if (ring.has(firstSeq)) {
    notice(`The linked line is no longer available (${why}): showing from the nearest line after it.`);
    following = false;
    anchor = { seq: firstSeq, delta: 0 };
  } else {
    follow();
    notice(`The linked line is no longer available (${why}), nor anything after it: following live.`);
  }
  schedule(true);
}

function notice(text) {
  els.notice.textContent = text;
  els.notice.hidden = !text;
}

// addDropped adds to the dropped marker just before, when no entry came in
// between: a viewer that stays slow gets one growing count, not a screenful
// of markers.
function addDropped(n) {
  const last = ring.get(ring.tail - 1);
  if (last && last.k === 1 && last.kind === 'dropped') {
    last.count += n;
    last.v++;
  } else {
    addMarker('dropped', '', { count: n, v: 0 });
    return;
  }
  last.text = droppedText(last.count);
  schedule();
}

function droppedText(n) {
  return `dropped: the server skipped ${fmtInt(n)} entries because this viewer read too slowly`;
}

function addMarker(kind, text, extra) {
  if (kind === 'dropped') text = droppedText(extra.count);
  const seq = push({ k: 1, kind, text, open: false, hidden: false, ...extra });
  // A gap before the linked line explains where it went: show it first.
  if (targetPending && kind === 'gap' && firstSeq < 0) firstSeq = seq;
  schedule();
}

function push(item) {
  const [seq, evicted] = ring.push(item, heightOf(item));
  if (evicted && evicted.k === 0) bySeq.delete(evicted.cursor);
  if (!following && !item.hidden) newWhilePaused++;
  return seq;
}

function heightOf(item) {
  if (item.hidden) return 0;
  if (item.k === 1) return ROW_H;
  if (item.open) return item.measured || ROW_H * (item.lines + fieldCount(item));
  return ROW_H * Math.min(item.lines, PREVIEW_LINES);
}

function fieldCount(item) { return item.fields ? Object.keys(item.fields).length : 0; }

// visible is the current filter applied in the browser, to rows that arrived
// under an earlier filter (the server applies it to everything after).
function visible(item) {
  if (item.k !== 0) return true;
  const f = filter;
  if (f.level) {
    if (item.level === UNKNOWN || item.level < LEVEL_RANK[f.level]) return false;
  }
  if (f.service && !csvHas(f.service, item.service)) return false;
  if (f.host && !csvHas(f.host, item.host)) return false;
  if (!f.hl && match && !match(item.msg)) return false;
  return true;
}

function csvHas(csv, v) {
  return csv.split(',').some((s) => s.trim() === v);
}

// ---- filters and URL ------------------------------------------------------

function readInputs() {
  return {
    q: els.q.value, re: els.re.value.trim(), level: els.level.value,
    service: els.service.value.trim(), host: els.host.value.trim(), hl: els.hl.checked,
  };
}

function writeInputs(f) {
  els.q.value = f.q; els.re.value = f.re; els.level.value = f.level;
  els.service.value = f.service; els.host.value = f.host; els.hl.checked = f.hl;
}

function setFilter(f, { send = true } = {}) {
  const problem = regexProblem(f.re);
  els.re.setCustomValidity(problem);
  els.re.title = problem || 'RE2 regular expression on the message';
  if (problem) return;
  const before = JSON.stringify(serverFilter(filter));
  if (send) prevFilter = filter;
  filter = f;
  match = matcher(f);
  writeInputs(f);
  // A changed view makes a permalink's since/#cursor stale.
  since = '';
  target = ''; targetPending = false; targetSeq = -1;
  notice('');
  syncURL();
  const sf = serverFilter(f);
  if (send && JSON.stringify(sf) !== before) {
    if (conn.send(filterMessage(f))) stats.filtersSent++;
    sentFilter = sf;
    addMarker('info', `filter: ${describeFilter(f)}`);
  }
  refilter();
}

function describeFilter(f) {
  const p = [];
  if (f.service) p.push(`service=${f.service}`);
  if (f.host) p.push(`host=${f.host}`);
  if (f.level) p.push(`level≥${f.level}`);
  if (f.q) p.push(`${f.hl ? 'highlight ' : ''}text "${f.q}"`);
  if (f.re) p.push(`${f.hl ? 'highlight ' : ''}regex /${f.re}/`);
  return p.length ? p.join(', ') : 'everything';
}

// refilter re-applies the filter to the rows held: a hidden row has height 0,
// so the ring skips it without a second index.
function refilter() {
  ring.forEach((item, seq) => {
    const h = !visible(item);
    if (h !== item.hidden) { item.hidden = h; ring.setHeight(seq, heightOf(item)); }
  });
  gen++;
  schedule(true);
}

function syncURL() {
  const extra = {
    backfill: init.backfill !== DEFAULT_BACKFILL ? init.backfill : '',
    max: init.max !== DEFAULT_MAX ? init.max : '',
    since,
  };
  const hash = target ? '#cursor=' + encodeURIComponent(target) : '';
  history.replaceState(null, '', location.pathname + pageQuery(filter, extra) + hash);
}

let debounce = 0;
els.form.addEventListener('input', (ev) => {
  clearTimeout(debounce);
  const immediate = ev.target === els.level || ev.target === els.hl;
  debounce = setTimeout(() => setFilter(readInputs()), immediate ? 0 : 350);
});
// Enter applies at once (the form has no submit button, so no implicit submit).
els.form.addEventListener('keydown', (ev) => {
  if (ev.key !== 'Enter' || ev.target instanceof HTMLButtonElement) return;
  ev.preventDefault();
  clearTimeout(debounce);
  setFilter(readInputs());
});
els.form.addEventListener('submit', (ev) => {
  ev.preventDefault();
  clearTimeout(debounce);
  setFilter(readInputs());
});
els.filtersToggle.addEventListener('click', () => {
  document.body.classList.toggle('show-filters');
  schedule(true);
});

// ---- painting -------------------------------------------------------------

// Row elements are keyed by seq: a row that stays on screen keeps its element,
// its text is never written again, and only its position may change. Rows sit
// at base-relative positions inside #track, and scrolling moves #track alone
// (one transform, a composited layer): when following, the rows already on
// screen do not move, relayout or repaint; only the new ones at the bottom are
// filled, from elements recycled from rows that scrolled out.
const onScreen = new Map(); // seq -> row element
const spare = []; // row elements not showing a row
let baseY = 0; // absolute position (ring.base + offset) of transform 0 in #track
let trackY = NaN;
let filledLast = 0; // rows filled by the last paint
const REBASE_PX = 100_000; // keep transforms small: compositors use float32

// schedule asks for a paint. urgent: the user did something, answer in this
// frame; otherwise a follow-mode paint waits until followGap() after the last
// one, since at thousands of lines a second nobody reads 60 screens a second.
let urgent = true;
let lastPaint = 0;
const FOLLOW_PAINT_MS = 50;
const FIREHOSE_PAINT_MS = 100; // when each paint replaces the whole screen
let lastCountsAt = 0;
let countsTimer = 0;
const COUNTS_MS = 250;
// A paint that is not due yet waits on a timer, not in requestAnimationFrame:
// every animation frame requested costs a pass through the rendering
// pipeline even when paint() has nothing to do.
let paintTimer = 0;
function schedule(now = false) {
  if (now) {
    urgent = true;
    if (paintTimer) { clearTimeout(paintTimer); paintTimer = 0; rafPending = false; }
  }
  if (rafPending) return;
  rafPending = true;
  const wait = following && !urgent ? lastPaint + paintGap() - performance.now() : 0;
  if (wait > 1) {
    paintTimer = setTimeout(() => { paintTimer = 0; requestAnimationFrame(paint); }, wait);
  } else {
    requestAnimationFrame(paint);
  }
}

function paintGap() {
  return onScreen.size > 0 && filledLast >= onScreen.size ? FIREHOSE_PAINT_MS : FOLLOW_PAINT_MS;
}

function scrollGeometry() {
  const content = ring.total + (following ? BOTTOM_PAD : PAUSED_PAD);
  const spacerPx = Math.min(content, MAX_SCROLL_PX);
  const scrollMax = Math.max(0, spacerPx - vh);
  const virtMax = Math.max(0, content - vh);
  return { content, spacerPx, scrollMax, virtMax };
}

let spacerSet = -1; // spacer height last written
let pendingScroll = -1; // scrollTop to write at the start of the next paint
function paint(frameTime) {
  const t0 = performance.now();
  rafPending = false;
  // The scroll position decided by the last paint is written now, before
  // anything else: layout is still clean from the last frame, whereas writing
  // it after the spacer's new height would force a synchronous layout. The
  // rows do not depend on it (#rows is sticky and #track is translated), so
  // only the scrollbar is one frame late. vh comes from a ResizeObserver for
  // the same reason.
  if (pendingScroll >= 0) {
    els.scroller.scrollTop = pendingScroll;
    // Read back (cheap: nothing is dirty yet): the browser may have clamped
    // it, and the scroll event must still know it for ours.
    lastSetScrollTop = scrollTop = els.scroller.scrollTop;
    pendingScroll = -1;
  }
  if (following && !urgent && frameTime - lastPaint < paintGap() - 2) { schedule(); return; }
  const wasUrgent = urgent;
  urgent = false;
  lastPaint = frameTime;
  const g = scrollGeometry();
  const sp = Math.max(0, g.spacerPx - vh);
  if (sp !== spacerSet) { spacerSet = sp; els.spacer.style.height = sp + "px"; }
  let top;
  if (following) {
    top = g.virtMax;
  } else if (ring.has(reveal)) {
    // A row just expanded: scroll just enough to show all of it, once its
    // height is measured.
    const o = ring.offset(reveal), h = ring.height(reveal);
    top = virtualTop(g);
    const room = vh - PAUSED_PAD; // not under the "back to live" button
    if (o + h > top + room) top = Math.min(o, o + h - room);
    top = Math.min(Math.max(0, top), g.virtMax);
    setAnchor(top);
    if (ring.get(reveal).measured) reveal = -1;
  } else if (ring.has(anchor.seq)) {
    top = anchor.delta === -1
      ? ring.offset(anchor.seq) - (vh - ring.height(anchor.seq)) / 2
      : ring.offset(anchor.seq) + anchor.delta;
    top = Math.min(Math.max(0, top), g.virtMax);
    if (anchor.delta === -1) setAnchor(top);
  } else {
    top = Math.min(virtualTop(g), g.virtMax);
    setAnchor(top);
  }
  top = Math.round(top);
  const st = g.virtMax > 0 ? Math.round(top * g.scrollMax / g.virtMax) : 0;
  if (Math.abs(scrollTop - st) > 1) {
    pendingScroll = st;
    scrollTop = st;
    schedule();
  }
  drawRows(top);
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
  const ms = performance.now() - t0;
  if (ms > stats.maxPaintMs) stats.maxPaintMs = ms;
}

function virtualTop(g) {
  return g.scrollMax > 0 ? scrollTop * g.virtMax / g.scrollMax : 0;
}

function setAnchor(top) {
  const seq = ring.at(top);
  anchor = { seq, delta: seq < 0 ? 0 : top - ring.offset(seq) };
}

const want = []; // seq, offset pairs of the rows on screen; reused
function drawRows(top) {
  want.length = 0;
  if (ring.size > 0 && ring.total > 0) {
    let seq = ring.at(top);
    let y = ring.offset(seq);
    const end = top + vh;
    while (seq < ring.tail && y < end) {
      const h = ring.height(seq);
      if (h > 0) { want.push(seq, y); y += h; }
      seq++;
    }
  }
  const abs = ring.base;
  if (want.length > 0 && Math.abs(abs + want[1] - baseY) > REBASE_PX) {
    baseY = abs + want[1];
    for (const el of onScreen.values()) el._y = NaN;
  }
  // Release rows that left the screen or whose content is stale.
  for (const [seq, el] of onScreen) {
    const item = ring.get(seq);
    const y = ring.offset(seq);
    if (!item || ring.height(seq) === 0 || y + ring.height(seq) <= top || y >= top + vh || !current(el, item, seq)) {
      release(el);
      onScreen.delete(seq);
    }
  }
  let filled = 0;
  for (let i = 0; i < want.length; i += 2) {
    const seq = want[i];
    const item = ring.get(seq);
    let el = onScreen.get(seq);
    if (!el) {
      el = spare.pop() || newRow();
      fill(el, item, seq);
      onScreen.set(seq, el);
      filled++;
    }
    const y = abs + want[i + 1] - baseY;
    if (el._y !== y) { el._y = y; el.style.transform = `translateY(${y}px)`; }
    const h = item.open ? '' : ring.height(seq) + 'px';
    if (el._h !== h) { el._h = h; el.style.height = h; }
    if (el.hidden) el.hidden = false;
  }
  for (const el of spare) {
    if (!el.hidden) { el.hidden = true; el.children[4].textContent = ''; }
  }
  filledLast = filled;
  const ty = baseY - (abs + top);
  if (ty !== trackY) { trackY = ty; els.track.style.transform = `translateY(${ty}px)`; }
}

// current: the element still shows item as it should look now.
function current(el, item, seq) {
  return el._item === item && el._gen === gen && el._open === item.open && el._target === (seq === targetSeq) && el._v === item.v;
}

function release(el) {
  if (el._open) rowSizes.unobserve(el);
  el._seq = -1; el._item = null; el._open = false;
  if (el._fields) { el._fields.remove(); el._fields = null; }
  spare.push(el);
}

// An open row wraps long lines and lists fields: its height is measured by a
// ResizeObserver, after layout, so painting never forces a synchronous one.
const rowSizes = new ResizeObserver((entries) => {
  let changed = false;
  for (const e of entries) {
    const el = e.target;
    const item = el._seq >= 0 ? ring.get(el._seq) : null;
    if (!item || !item.open || item !== el._item) continue;
    const box = e.borderBoxSize && e.borderBoxSize[0];
    const h = Math.max(ROW_H, Math.ceil(box ? box.blockSize : el.offsetHeight));
    item.measured = h;
    if (h !== ring.height(el._seq)) { ring.setHeight(el._seq, h); changed = true; }
  }
  if (changed || reveal >= 0) schedule(true);
});

function newRow() {
  const el = document.createElement('div');
  el.className = 'row';
  el.innerHTML = '<span class="ts"></span><span class="lv"></span>' +
    '<span class="svc"></span><span class="host"></span><span class="msg"></span><span class="badges"></span>';
  el._seq = -1; el._y = NaN; el._h = '';
  els.track.appendChild(el);
  return el;
}

// A row is one line of inline text: a few spans in a monospace font, padded
// to fixed widths, so laying it out is shaping a handful of text runs (a flex
// row of a dozen boxes cost several times more, on every row of every paint
// while following a fast stream). Multi-line and open rows use flex, so that
// continuation lines and fields line up under the message.
function fill(el, item, seq) {
  el._seq = seq; el._gen = gen; el._item = item; el._open = item.open; el._target = seq === targetSeq; el._v = item.v;
  el._link = -1;
  if (acts.parentNode === el) acts.remove();
  const [ts, lv, svc, host, msgEl, badges] = el.children;
  if (item.k === 1) {
    el.className = 'row marker m-' + item.kind;
    ts.textContent = ''; lv.textContent = ''; svc.textContent = ''; host.textContent = ''; badges.textContent = '';
    msgEl.textContent = item.text;
    return;
  }
  let cls = 'row lv-' + LEVELS[item.level];
  if (item.open) cls += ' open';
  else if (item.lines > 1) cls += ' multi';
  if (seq === targetSeq) cls += ' target';
  // Tooltips (full time, names, source) are set when the pointer comes
  // (showActs): writing them for every row of every paint is wasted work.
  const ms = Date.parse(item.ts);
  ts.textContent = Number.isNaN(ms) ? fit(item.ts, narrow ? 12 : 18) : narrow ? fmtTime(ms, true) : fmtDate(ms) + ' ' + fmtTime(ms, true);
  lv.textContent = narrow ? LEVEL_LETTER[item.level] : LEVEL_LABEL[item.level];
  svc.textContent = fit(item.service, narrow ? 8 : 12);
  if (!narrow) host.textContent = fit(item.host, 12);
  let b = '';
  if (item.lines > 1) b += `+${item.lines - 1}↵ `;
  if (item.fields) b += `{${fieldCount(item)}} `;
  if (item.truncated) b += '✂';
  badges.textContent = b.trim();
  let text = item.msg;
  if (!item.open && item.lines > PREVIEW_LINES) {
    const cut = nthIndex(text, '\n', PREVIEW_LINES - 1);
    text = text.slice(0, cut) + `\n… ${item.lines - PREVIEW_LINES + 1} more lines (click to expand)`;
  }
  // A collapsed row shows what fits on a wide screen: laying out a 1 MB
  // line to show its first 200 characters would be one long task.
  if (!item.open && text.length > PREVIEW_CHARS) text = text.slice(0, PREVIEW_CHARS) + ' … (click to expand)';
  const m = match && match(text);
  if (!m && match && text !== item.msg && match(item.msg)) cls += ' hit'; // beyond the preview
  if (m) {
    cls += ' hit';
    msgEl.textContent = '';
    msgEl.append(text.slice(0, m[0]));
    const mark = document.createElement('mark');
    mark.textContent = text.slice(m[0], m[1]);
    msgEl.append(mark, text.slice(m[1]));
  } else {
    msgEl.textContent = text;
  }
  if (item.open && item.fields) {
    const dl = document.createElement('dl');
    dl.className = 'fields';
    for (const [k, v] of Object.entries(item.fields)) {
      const dt = document.createElement('dt'); dt.textContent = k;
      const dd = document.createElement('dd'); dd.textContent = typeof v === 'string' ? v : JSON.stringify(v);
      dl.append(dt, dd);
    }
    msgEl.append(dl);
    el._fields = dl;
  }
  el.className = cls;
  if (item.open) {
    rowSizes.observe(el);
    showActs(el); // touch screens have no hover: an open row keeps its actions
  }
}

const LEVEL_LABEL = LEVELS.map((l, i) => (i === UNKNOWN ? '-' : l.toUpperCase()).padEnd(5));
const LEVEL_LETTER = LEVELS.map((l, i) => (i === UNKNOWN ? '-' : l[0].toUpperCase()));

// fit pads or cuts s to exactly n characters (columns line up in a monospace
// font).
function fit(s, n) {
  return s.length > n ? s.slice(0, n - 1) + '…' : s.padEnd(n);
}

// One set of row actions (copy, permalink) moves to the row under the
// pointer, instead of a hidden copy in every row.
const acts = document.createElement('span');
acts.className = 'acts';
acts.innerHTML = '<button type="button" class="copy" title="Copy this line">copy</button>' +
  '<a class="link" title="Permalink: this line with context">link</a>';

function showActs(row) {
  if (acts.parentNode !== row) row.append(acts);
  if (row._link === row._seq) return;
  row._link = row._seq;
  acts.lastChild.href = permalink(row._seq);
  const item = ring.get(row._seq);
  const [ts, lv, svc, host, , badges] = row.children;
  ts.title = item.ts;
  lv.title = LEVELS[item.level];
  svc.title = item.service;
  host.title = item.host + (item.source ? ' ' + item.source : '');
  badges.title = [item.lines > 1 ? `${item.lines} lines` : '', item.fields ? `${fieldCount(item)} fields` : '', item.truncated ? 'cut by the collector' : ''].filter(Boolean).join(', ');
}

let narrow = false;
const narrowMQ = matchMedia('(max-width: 700px)');
function setNarrow() { narrow = narrowMQ.matches; gen++; schedule(true); }
narrowMQ.addEventListener('change', setNarrow);
narrow = narrowMQ.matches;

function nthIndex(s, ch, n) {
  let i = -1;
  for (let k = 0; k < n; k++) { i = s.indexOf(ch, i + 1); if (i < 0) return s.length; }
  return i;
}

// ---- scrolling, follow and pause -----------------------------------------

function follow() {
  following = true;
  newWhilePaused = 0;
  if (!targetPending) notice('');
  els.live.hidden = true;
  schedule(true);
}

function pause() {
  if (!following) return;
  following = false;
  newWhilePaused = 0;
  setAnchor(virtualTop(scrollGeometry()));
  schedule(true);
}

els.scroller.addEventListener('wheel', (ev) => { if (ev.deltaY < 0) pause(); }, { passive: true });
els.scroller.addEventListener('touchmove', () => pause(), { passive: true });
els.scroller.addEventListener('scroll', () => {
  const st = els.scroller.scrollTop;
  scrollTop = st;
  if (Math.abs(st - lastSetScrollTop) <= 1) return; // our own
  pendingScroll = -1; // the user's scroll wins
  lastSetScrollTop = -1;
  const g = scrollGeometry();
  if (st >= g.scrollMax - 2) {
    if (!following && g.scrollMax > 0) follow();
    return;
  }
  pause();
  setAnchor(virtualTop(g));
  schedule(true);
}, { passive: true });
els.live.addEventListener('click', follow);
new ResizeObserver(() => {
  vh = els.scroller.clientHeight; // layout is clean in a ResizeObserver callback
  schedule(true);
}).observe(els.scroller);

// Permalinks are built when a row's actions show, not on every fill.
els.rows.addEventListener('pointerover', (ev) => {
  const row = ev.target.closest('.row');
  if (row && row._seq >= 0 && ring.get(row._seq)?.k === 0) showActs(row);
});

els.rows.addEventListener('click', (ev) => {
  const row = ev.target.closest('.row');
  if (!row || row._seq < 0) return;
  const item = ring.get(row._seq);
  if (!item || item.k !== 0) return;
  if (ev.target.closest('.copy')) { copyText(lineText(item)); return; }
  if (ev.target.closest('.link')) {
    ev.preventDefault();
    copyText(permalink(row._seq), 'Permalink copied');
    return;
  }
  if (getSelection().toString()) return; // selecting text, not toggling
  item.open = !item.open;
  item.measured = 0;
  ring.setHeight(row._seq, heightOf(item));
  if (following && item.open) pause();
  if (item.open) reveal = row._seq;
  schedule(true);
});

const hist = new Histogram(els.hist, LEVELS, {
  onPick: (sec, seq) => {
    if (!ring.has(seq)) { toast('That second is no longer in the buffer'); return; }
    let s = seq;
    while (s < ring.tail && ring.height(s) === 0) s++;
    if (s >= ring.tail) { toast('Nothing visible from that second with this filter'); return; }
    following = false;
    newWhilePaused = 0;
    anchor = { seq: s, delta: 0 };
    schedule(true);
  },
});

// ---- keyboard -------------------------------------------------------------

document.addEventListener('keydown', (ev) => {
  const t = ev.target;
  const typing = t instanceof HTMLInputElement || t instanceof HTMLSelectElement || t instanceof HTMLTextAreaElement;
  if (typing) {
    if (ev.key === 'Escape') t.blur();
    return;
  }
  if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
  if (ev.key === '/') { ev.preventDefault(); document.body.classList.add('show-filters'); els.q.focus(); els.q.select(); }
  else if (ev.key === ' ' && !(t instanceof HTMLButtonElement) && !(t instanceof HTMLAnchorElement)) {
    ev.preventDefault();
    if (following) pause(); else follow();
  } else if (ev.key === 'End') { ev.preventDefault(); follow(); }
  else if (ev.key === 'Home') { ev.preventDefault(); following = false; anchor = { seq: ring.head, delta: 0 }; schedule(true); }
});

// ---- actions --------------------------------------------------------------

function lineText(item) {
  let s = `${item.ts} ${LEVELS[item.level].toUpperCase()} ${item.service} ${item.host} ${item.msg}`;
  if (item.fields) s += ' ' + JSON.stringify(item.fields);
  return s;
}

async function copyText(text, done = 'Copied') {
  stats.lastCopied = text;
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    // Plain http on a non-local host has no async clipboard.
    const ta = document.createElement('textarea');
    ta.value = text;
    document.body.append(ta);
    ta.select();
    document.execCommand('copy');
    ta.remove();
  }
  toast(done);
}

function permalink(seq) {
  const item = ring.get(seq);
  let ctx = '';
  for (let s = seq - 1, n = 0; s >= ring.head && n < CONTEXT; s--) {
    const it = ring.get(s);
    if (it.k === 0) { ctx = it.cursor; n++; }
  }
  const extra = { since: ctx, max: init.max !== DEFAULT_MAX ? init.max : '' };
  if (!ctx) extra.backfill = 10000;
  return location.origin + location.pathname + pageQuery(filter, extra) + '#cursor=' + encodeURIComponent(item.cursor);
}

els.download.addEventListener('click', () => {
  const parts = [];
  ring.forEach((it) => {
    if (it.k === 0) {
      const o = { type: 'entry', cursor: it.cursor, ts: it.ts, service: it.service, host: it.host, source: it.source, level: LEVELS[it.level], msg: it.msg };
      if (it.fields) o.fields = it.fields;
      if (it.truncated) o.truncated = true;
      parts.push(JSON.stringify(o) + '\n');
    } else if (it.kind === 'gap' || it.kind === 'dropped') {
      parts.push(JSON.stringify(it.kind === 'gap' ? { type: 'gap', text: it.text } : { type: 'dropped', text: it.text }) + '\n');
    }
  });
  const url = URL.createObjectURL(new Blob(parts, { type: 'application/x-ndjson' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = `tailcast-${new Date().toISOString().replace(/[:.]/g, '-')}.ndjson`;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
});

els.tz.addEventListener('click', () => {
  utc = !utc;
  setPref('tz', utc ? 'utc' : 'local');
  showTZ();
  gen++;
  schedule(true);
});

function showTZ() {
  els.tz.textContent = utc ? 'UTC' : 'local';
  els.tz.title = utc ? 'Times in UTC (click for local time)' : 'Times in local time (click for UTC)';
}

const THEMES = ['auto', 'dark', 'light'];
let theme = new URLSearchParams(location.search).get('theme') || pref('theme', 'auto');
if (!THEMES.includes(theme)) theme = 'auto';
els.theme.addEventListener('click', () => {
  theme = THEMES[(THEMES.indexOf(theme) + 1) % THEMES.length];
  setPref('theme', theme);
  applyTheme();
});
matchMedia('(prefers-color-scheme: dark)').addEventListener('change', applyTheme);

function applyTheme() {
  if (theme === 'auto') delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = theme;
  els.theme.textContent = theme === 'auto' ? '◐ auto' : theme === 'dark' ? '● dark' : '○ light';
  els.theme.title = `Theme: ${theme} (click to change)`;
  const cs = getComputedStyle(document.documentElement);
  const colors = { axis: cs.getPropertyValue('--muted').trim() };
  for (const l of LEVELS) colors[l] = cs.getPropertyValue('--lv-' + l).trim();
  hist.setColors(colors);
  hist.draw(Date.now(), true);
  schedule(true);
}

// ---- status ---------------------------------------------------------------

let stateTimer = 0;
function showState(state, d) {
  clearInterval(stateTimer);
  els.conn.dataset.state = state;
  els.retry.hidden = state !== 'waiting';
  let text;
  switch (state) {
    case 'connecting': text = d.attempt ? `connecting (attempt ${d.attempt + 1})…` : 'connecting…'; break;
    case 'live': text = 'live'; els.conn.title = `${d.server || 'server'}, protocol ${d.version}`; break;
    case 'waiting': {
      const tick = () => {
        const s = Math.max(0, Math.ceil((d.until - Date.now()) / 1000));
        els.connText.textContent = `${d.refused ? 'refused: ' + d.refused : d.reason || 'disconnected'} · retry in ${s}s`;
      };
      tick();
      stateTimer = setInterval(tick, 1000);
      return;
    }
    default: text = state;
  }
  els.connText.textContent = text;
}
els.retry.addEventListener('click', () => conn.retryNow());

let lastCounts = '';
function showCounts() {
  let s = `${fmtInt(ring.size)} / ${fmtInt(ring.cap)} lines`;
  if (stats.droppedCount) s += ` · ${fmtInt(stats.droppedCount)} dropped`;
  if (stats.missed) s += ` · ${fmtInt(stats.missed)} missed`;
  if (s !== lastCounts) { els.counts.textContent = s; lastCounts = s; }
  if (!following) {
    els.live.hidden = false;
    els.newCount.textContent = fmtInt(newWhilePaused);
  }
}

let toastTimer = 0;
function toast(text) {
  els.toast.textContent = text;
  els.toast.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { els.toast.hidden = true; }, 2500);
}

// ---- formatting and preferences -------------------------------------------

const pad = (n, w = 2) => String(n).padStart(w, '0');
function fmtTime(ms, short) {
  const d = new Date(ms);
  const [mo, da, h, mi, s, mss] = utc
    ? [d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds()]
    : [d.getMonth() + 1, d.getDate(), d.getHours(), d.getMinutes(), d.getSeconds(), d.getMilliseconds()];
  const t = `${pad(h)}:${pad(mi)}:${pad(s)}.${pad(mss, 3)}`;
  return short ? t : `${pad(mo)}-${pad(da)} ${t}`;
}
function fmtDate(ms) {
  const d = new Date(ms);
  return utc ? `${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}` : `${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}
const nf = new Intl.NumberFormat();
function fmtInt(n) { return nf.format(n); }

function pref(k, d) { try { return localStorage.getItem('tailcast.' + k) || d; } catch { return d; } }
function setPref(k, v) { try { localStorage.setItem('tailcast.' + k, v); } catch { /* private mode */ } }

// ---- test hooks -----------------------------------------------------------

// window.tailcast lets tests assert on state without scraping the DOM.
window.tailcast = {
  get state() { return conn.state; },
  get opens() { return conn.opens; },
  get received() { return stats.received; },
  get duplicates() { return stats.duplicates; },
  get stats() { return { ...stats, frames: conn.frames || 0, maxFrameBytes: conn.maxFrameBytes, queuedBytes: conn.queued }; },
  get size() { return ring.size; },
  get capacity() { return ring.cap; },
  get rendered() { return els.rows.querySelectorAll('.row:not([hidden])').length; },
  get following() { return following; },
  get newWhilePaused() { return newWhilePaused; },
  get filter() { return { ...filter }; },
  get target() { return { cursor: target, found: targetSeq >= 0, seq: targetSeq }; },
  get lastCursor() { return conn.lastCursor; },
  // entries held, oldest first; visible: only those the filter shows
  entries({ visible: vis = false } = {}) {
    const out = [];
    ring.forEach((it, seq) => { if (it.k === 0 && (!vis || !it.hidden)) out.push({ cursor: it.cursor, msg: it.msg, level: LEVELS[it.level], service: it.service, host: it.host, ts: it.ts, seq }); });
    return out;
  },
  markers() {
    const out = [];
    ring.forEach((it, seq) => { if (it.k === 1) out.push({ kind: it.kind, text: it.text, seq }); });
    return out;
  },
  // show pauses with row seq at the top.
  show(seq) { following = false; anchor = { seq, delta: 0 }; schedule(true); },
  // rows on screen (at least partly), top to bottom: the first line of each
  screen() {
    const top = els.rows.getBoundingClientRect().top;
    return [...els.rows.querySelectorAll('.row:not([hidden])')]
      .map((el) => ({ y: el.getBoundingClientRect().top - top, el }))
      .filter(({ y, el }) => y + el.offsetHeight > 0 && y < vh)
      .sort((a, b) => a.y - b.y)
      .map(({ el }) => el.querySelector('.msg').textContent.split('\n')[0]);
  },
  rowText(seq) {
    const it = ring.get(seq);
    return it ? (it.k === 0 ? it.msg : it.text).split('\n')[0] : undefined;
  },
  histogram() {
    return [...hist.buckets.values()].map((b) => ({ sec: b.sec, total: b.total, firstSeq: b.firstSeq }));
  },
  permalink(cursor) { const s = bySeq.get(cursor); return s === undefined ? '' : permalink(s); },
};

// ---- start ----------------------------------------------------------------

vh = els.scroller.clientHeight;
writeInputs(filter);
showTZ();
applyTheme();
syncURL();
if (target) { els.live.hidden = false; notice('Opening the linked line…'); }
conn.start();
setInterval(() => hist.draw(Date.now()), 1000);
