// Time ranges and field filters: the history part of the view's state, as it
// lives in the page URL and maps onto the protocol (docs/protocol.md, "Time
// ranges" and "Field filters").
//
// URL keys (the same on the page and on /ws):
//   from, to   RFC 3339, or a duration meaning that long ago (15m, 2h);
//              no from: live
//   where      repeatable: key=value, key!=value, key>=N ...
//
// Pure functions over plain values: node's tests run them.

// PRESETS are the picker's "last ..." choices; '' is live.
export const PRESETS = ['', '5m', '15m', '1h', '6h', '24h'];

// HISTORY_LIMIT is the limit= a range query asks for.
export const HISTORY_LIMIT = 5000;

const DURATION = /^(\d+)(ms|s|m|h|d)$/;
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

// emptyRange is the live view: no range, no where.
export function emptyRange() {
  return { from: '', to: '', where: [] };
}

// rangeFromURL reads from, to and where from a page search string. A value
// that is neither RFC 3339 nor a duration is dropped (the view goes live)
// rather than sent to be refused.
export function rangeFromURL(search) {
  const p = new URLSearchParams(search);
  const r = emptyRange();
  const from = p.get('from') || '';
  const to = p.get('to') || '';
  if (from && validTime(from)) {
    r.from = from;
    if (to && validTime(to)) r.to = to;
  }
  r.where = p.getAll('where').filter((w) => w.trim() !== '');
  return r;
}

// validTime reports whether s is a time the server takes: RFC 3339 or a
// duration ago.
export function validTime(s) {
  return DURATION.test(s) || (/^\d{4}-\d\d-\d\dT/.test(s) && !Number.isNaN(Date.parse(s)));
}

// timeMs is the instant s stands for, a duration counted back from now.
export function timeMs(s, now = Date.now()) {
  const m = DURATION.exec(s);
  if (m) return now - Number(m[1]) * UNIT_MS[m[2]];
  return Date.parse(s);
}

// isRange reports whether r asks for history.
export function isRange(r) { return r.from !== ''; }

// rangeParams adds r's keys to p (URLSearchParams): for the page URL, and
// with protocol=true for /ws (where the limit goes too).
export function rangeParams(p, r, { protocol = false } = {}) {
  if (r.from) {
    p.set('from', r.from);
    if (r.to) p.set('to', r.to);
    if (protocol) p.set('limit', String(HISTORY_LIMIT));
  }
  for (const w of r.where) p.append('where', w);
  return p;
}

// whereFor is the where expression "field key is (or, with negate, is not)
// value". Numbers and booleans compare unquoted; the server compares numbers
// as numbers and takes the rest of the expression whole as the value.
export function whereFor(key, value, negate = false) {
  const v = typeof value === 'string' ? value : JSON.stringify(value);
  return `${key}${negate ? '!=' : '='}${v}`;
}

// addWhere is r with expression w added once; the opposite test on the same
// key and value is replaced, since both together match nothing.
export function addWhere(r, w) {
  const m = /^([^!=<>~]+)(!=|=)(.*)$/s.exec(w);
  let where = r.where.filter((x) => x !== w);
  if (m) {
    const other = m[1] + (m[2] === '=' ? '!=' : '=') + m[3];
    where = where.filter((x) => x !== other);
  }
  return { ...r, where: [...where, w] };
}

// rfc3339 formats ms as the server's RFC 3339, in UTC.
export function rfc3339(ms) {
  return new Date(ms).toISOString();
}

// zoomRange is the absolute range [a, b] (ms, either order), for a drag on
// the range histogram; null for an empty drag.
export function zoomRange(r, a, b) {
  const lo = Math.min(a, b);
  const hi = Math.max(a, b);
  if (!(hi > lo)) return null;
  return { ...r, from: rfc3339(lo), to: rfc3339(hi) };
}

// localInput is ms as a datetime-local input's value (local time, seconds).
export function localInput(ms) {
  const d = new Date(ms);
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

// fromLocalInput is a datetime-local value (local time) as RFC 3339, or ''.
export function fromLocalInput(s) {
  if (!s) return '';
  const ms = new Date(s).getTime();
  return Number.isNaN(ms) ? '' : rfc3339(ms);
}

// describeRange is r in a few words, for markers and the picker's title.
export function describeRange(r, fmt = (ms) => new Date(ms).toISOString()) {
  if (!r.from) return 'live';
  if (DURATION.test(r.from) && !r.to) return `last ${r.from}, then live`;
  const from = DURATION.test(r.from) ? `${r.from} ago` : fmt(Date.parse(r.from));
  if (!r.to) return `from ${from}, then live`;
  const to = DURATION.test(r.to) ? `${r.to} ago` : fmt(Date.parse(r.to));
  return `${from} – ${to}`;
}
