// Filters: the view's state that lives in the page URL, and how it maps onto
// the protocol (docs/protocol.md). The same keys serve both: a shared viewer
// URL "?service=api&level=warn&q=timeout" connects to
// "ws?service=api&level=warn&q=timeout".
//
// URL keys:
//   service, host   comma-separated exact matches (server side)
//   level           minimum level (server side)
//   q, re           substring / RE2 regex on the message (server side,
//                   unless hl=1)
//   pattern         comma-separated pattern ids: only these (server side)
//   not_pattern     comma-separated pattern ids: muted (server side)
//   hl=1            highlight-only: q and re are NOT sent to the server; the
//                   viewer marks matching lines and keeps the rest
//   backfill=N      entries of history to ask for on first connect (default 1000)
//   max=N           scrollback kept in the browser (default 100000)
//   since=CURSOR    start strictly after this cursor (used by permalinks)
//   patpanel=1|0    the Patterns panel open or closed (patterns.js:
//                   panelOpen); absent: open on a wide screen only
//   #cursor=CURSOR  permalink target: scroll to and mark this entry

export const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'unknown'];
export const LEVEL_RANK = Object.fromEntries(LEVELS.map((l, i) => [l, i]));
export const FILTER_KEYS = ['service', 'host', 'level', 'q', 're', 'pattern', 'not_pattern'];

export const DEFAULT_BACKFILL = 1000;
export const DEFAULT_MAX = 100000;
export const MIN_MAX = 1000;
export const MAX_MAX = 1000000;

export function emptyFilter() {
  return { service: '', host: '', level: '', q: '', re: '', hl: false, pattern: '', not_pattern: '' };
}

// fromURL reads the view state from a location's search and hash.
export function fromURL(loc) {
  const p = new URLSearchParams(loc.search);
  const f = emptyFilter();
  // Repeated keys are the protocol's "several": join them as commas.
  f.service = p.getAll('service').join(',');
  f.host = p.getAll('host').join(',');
  f.level = LEVEL_RANK[p.get('level')] !== undefined && p.get('level') !== 'unknown' ? p.get('level') : '';
  f.q = p.get('q') || '';
  f.re = p.get('re') || '';
  f.hl = p.get('hl') === '1';
  f.pattern = p.getAll('pattern').join(',');
  f.not_pattern = p.getAll('not_pattern').join(',');
  const hash = new URLSearchParams(loc.hash.replace(/^#/, ''));
  return {
    filter: f,
    backfill: clampInt(p.get('backfill'), 0, 10000, DEFAULT_BACKFILL),
    max: clampInt(p.get('max'), MIN_MAX, MAX_MAX, DEFAULT_MAX),
    since: p.get('since') || '',
    panel: ['0', '1'].includes(p.get('patpanel')) ? p.get('patpanel') : '',
    target: hash.get('cursor') || '',
  };
}

function clampInt(s, lo, hi, dflt) {
  if (s === null || s === '' || !/^\d+$/.test(s)) return dflt;
  return Math.min(hi, Math.max(lo, Number(s)));
}

// serverFilter is the part of f the server applies.
export function serverFilter(f) {
  const out = { service: f.service.trim(), host: f.host.trim(), level: f.level, q: '', re: '' };
  if (!f.hl) { out.q = f.q; out.re = f.re; }
  // Pattern ids (the Patterns panel, patterns.js) only when set: a filter
  // without them is the message it always was.
  const pattern = (f.pattern || '').trim(), notPattern = (f.not_pattern || '').trim();
  if (pattern) out.pattern = pattern;
  if (notPattern) out.not_pattern = notPattern;
  return out;
}

// filterMessage is the protocol's "filter" client message for f. backfill > 0
// asks the server to refill the view: it answers {"type":"refill"}, then the
// newest backfill entries it holds that match f (oldest first), then live
// entries, so a loosened filter has no holes.
export function filterMessage(f, backfill = 0) {
  const m = { type: 'filter', ...serverFilter(f) };
  if (backfill > 0) m.backfill = backfill;
  return JSON.stringify(m);
}

// wsURL is the websocket URL for f, relative to the page; token is a --token
// server's access token (browsers cannot set a header on a websocket).
export function wsURL(pageHref, f, { since = '', backfill = 0, token = '' } = {}) {
  const u = new URL('ws', pageHref);
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  u.hash = '';
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(serverFilter(f))) if (v) p.set(k, v);
  if (since) p.set('since', since);
  else if (backfill > 0) p.set('backfill', String(backfill));
  if (token) p.set('token', token);
  u.search = p.toString();
  return u.toString();
}

// pageQuery is the page URL's search for f plus the extra keys kept as they are.
export function pageQuery(f, extra = {}) {
  const p = new URLSearchParams();
  for (const k of FILTER_KEYS) if (f[k]) p.set(k, f[k]);
  if (f.hl) p.set('hl', '1');
  for (const [k, v] of Object.entries(extra)) if (v !== '' && v !== undefined && v !== null) p.set(k, String(v));
  const s = p.toString();
  return s ? '?' + s : '';
}

// visible reports whether the row item passes f in the browser (match is
// matcher(f)): the current filter applied to rows that arrived under an
// earlier one (the server applies it to everything after). Markers always
// pass.
export function visible(item, f, match) {
  if (item.k !== 0) return true;
  if (f.level) {
    if (item.level === LEVEL_RANK.unknown || item.level < LEVEL_RANK[f.level]) return false;
  }
  if (f.service && !csvHas(f.service, item.service)) return false;
  if (f.host && !csvHas(f.host, item.host)) return false;
  if (!f.hl && match && !match(item.msg)) return false;
  if (f.pattern && !csvHas(f.pattern, item.pattern)) return false;
  if (f.not_pattern && csvHas(f.not_pattern, item.pattern)) return false;
  return true;
}

function csvHas(csv, v) {
  return csv.split(',').some((s) => s.trim() === v);
}

// matcher returns a function giving [start, end) of the first q or re match
// in a message, or null; null when f has neither. q is case-insensitive like
// the server's. re is compiled as a JS RegExp (jsRegExp): RE2 syntax is close
// to a subset, and a regex JS rejects only loses the client-side marking and
// hiding of rows already held; the server, which judges, filters the rest.
export function matcher(f) {
  const q = f.q.toLowerCase();
  const re = f.re ? jsRegExp(f.re) : null;
  if (!q && !re) return null;
  return (msg) => {
    if (q) {
      const i = msg.toLowerCase().indexOf(q);
      if (i >= 0) return [i, i + q.length];
    }
    if (re) {
      const m = re.exec(msg);
      if (m && m[0].length > 0) return [m.index, m.index + m[0].length];
      if (m) return [m.index, m.index];
    }
    return null;
  };
}

// jsRegExp compiles an RE2 expression as a JS RegExp, or returns null. RE2's
// leading flag group ((?i), (?s), (?is)...) becomes JS flags; anything else JS
// does not know makes it null.
export function jsRegExp(src) {
  let flags = '';
  const m = /^\(\?([imsU]+)\)/.exec(src);
  if (m && !m[1].includes('U')) {
    flags = [...new Set(m[1])].join('');
    src = src.slice(m[0].length);
  }
  // RE2's (?P<name>...) is JS's (?<name>...).
  try { return new RegExp(src.replace(/\(\?P</g, '(?<'), flags); } catch { return null; }
}

// refusal turns the server's error reply to a filter into plain words and
// the input it is about ('re', 'level', 'q', 'service', 'host' or '').
export function refusal(error) {
  const e = String(error || '').replace(/^bad filter:\s*/, '');
  let m = /^invalid re:\s*(?:error parsing regexp:\s*)?(.*)$/s.exec(e);
  if (m) return { field: 're', text: `Not a valid regular expression: ${m[1]}` };
  m = /^(q|re|service|host|level)\b/.exec(e);
  if (/^unknown level/.test(e)) return { field: 'level', text: `Unknown level: ${e.replace(/^unknown level\s*/, '')}` };
  if (m) return { field: m[1], text: `The server refused it: ${e}` };
  return { field: '', text: `The server refused the filter: ${e}` };
}
