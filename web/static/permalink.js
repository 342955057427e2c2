// Permalinks and the page URL: the view's state that a copied link carries.
//
// A line's permalink is the page URL with the current filters,
// since=<cursor of an entry about CONTEXT rows before it> and
// #cursor=<the line's cursor>. Opening it connects with that since, so the
// server replays the context before the line, the line, and everything after
// it; the viewer starts paused, scrolls the line to the middle and marks it.
// Cursors are Kafka positions, so the link works on any replica for as long
// as Kafka retains the line. When the line is the oldest loaded there is no
// earlier cursor and the link falls back to a large backfill.
//
// Pure functions over plain values: node's tests run them.

import { DEFAULT_BACKFILL, DEFAULT_MAX, pageQuery } from './filters.js';

export const CONTEXT = 50; // entries of context before the linked line
export const LINK_BACKFILL = 10000; // when there is no earlier cursor

// contextCursor is the cursor of the entry n entries before seq in ring
// (or the oldest entry held when there are fewer), or '' when none is
// before seq. Markers are not entries and do not count.
export function contextCursor(ring, seq, n = CONTEXT) {
  let ctx = '';
  for (let s = seq - 1, k = 0; s >= ring.head && k < n; s--) {
    const it = ring.get(s);
    if (it && it.k === 0) { ctx = it.cursor; k++; }
  }
  return ctx;
}

// permalinkURL is the absolute link to the entry with cursor, showing
// filter, with context from ctx (see contextCursor).
export function permalinkURL({ origin, pathname, filter, cursor, ctx, max = DEFAULT_MAX }) {
  const extra = { since: ctx, max: max !== DEFAULT_MAX ? max : '' };
  if (!ctx) extra.backfill = LINK_BACKFILL;
  return origin + pathname + pageQuery(filter, extra) + '#cursor=' + encodeURIComponent(cursor);
}

// pageURL is the address bar's path, search and hash for the view: the
// filter, non-default backfill and max, a permalink's since and target,
// the Patterns panel's state when chosen (panel: '1', '0' or '').
// Anything else (a ?token=, an unknown key) is left out on purpose.
export function pageURL({ pathname, filter, backfill = DEFAULT_BACKFILL, max = DEFAULT_MAX, since = '', target = '', panel = '' }) {
  const extra = {
    backfill: backfill !== DEFAULT_BACKFILL ? backfill : '',
    max: max !== DEFAULT_MAX ? max : '',
    since,
    patpanel: panel,
  };
  const hash = target ? '#cursor=' + encodeURIComponent(target) : '';
  return pathname + pageQuery(filter, extra) + hash;
}
