// The context panel: the lines around one entry, from the same file,
// unfiltered (the protocol's around=CURSOR&before=N&after=N), with the entry
// marked. "Load more" above asks around the first line held for more before
// it, below around the last one for more after it; lines already shown are
// not repeated. Each query is its own short websocket: the server sends the
// lines, end, and closes.

import { fmtInt } from './format.js';
import { wsURL, emptyFilter } from './filters.js';

export const CONTEXT_LINES = 50;

// contextURL is the /ws URL of a context query from the page at pageHref:
// none of the page's filter (the context is every line around), the access
// token, and the query's params.
export function contextURL(pageHref, token, params) {
  const u = new URL(wsURL(pageHref, emptyFilter(), { token }));
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  return u.toString();
}

export class ContextPanel {
  // els: panel, title, list, above, below, close, status. urlFor(params) is
  // the /ws URL (with the token) for the given query keys. fmt(ms) formats a
  // time.
  constructor({ els, urlFor, fmt }) {
    this.els = els;
    this.urlFor = urlFor;
    this.fmt = fmt;
    this.lines = []; // {cursor, ts, level, msg, anchor}
    this.anchor = '';
    this.ws = null;
    els.close.addEventListener('click', () => this.close());
    els.above.addEventListener('click', () => this.more(-1));
    els.below.addEventListener('click', () => this.more(1));
    els.panel.addEventListener('keydown', (ev) => { if (ev.key === 'Escape') this.close(); });
  }

  // open shows the context of the entry item (cursor, host, source).
  open(item) {
    this.anchor = item.cursor;
    this.lines = [];
    this.els.title.textContent = `${item.host} ${item.source}`.trim() || 'context';
    this.els.panel.hidden = false;
    document.body.classList.add('show-context');
    this.render();
    this.query(item.cursor, CONTEXT_LINES, CONTEXT_LINES, 0);
    this.els.close.focus();
  }

  close() {
    if (this.ws) { this.ws.onclose = null; this.ws.close(); this.ws = null; }
    this.els.panel.hidden = true;
    document.body.classList.remove('show-context');
  }

  // more loads CONTEXT_LINES more above (dir -1) or below (dir 1).
  more(dir) {
    if (this.ws || this.lines.length === 0) return;
    const edge = dir < 0 ? this.lines[0] : this.lines[this.lines.length - 1];
    this.query(edge.cursor, dir < 0 ? CONTEXT_LINES : 0, dir > 0 ? CONTEXT_LINES : 0, dir);
  }

  // query asks for the lines around cursor; dir says where they go: 0
  // replaces, -1 prepends, 1 appends.
  query(cursor, before, after, dir) {
    if (this.ws) { this.ws.onclose = null; this.ws.close(); }
    const got = [];
    let end = null;
    let error = '';
    this.status('loading…');
    const ws = new WebSocket(this.urlFor({ around: cursor, before: String(before), after: String(after) }));
    this.ws = ws;
    ws.onmessage = (ev) => {
      for (const line of String(ev.data).split('\n')) {
        if (!line) continue;
        let o;
        try { o = JSON.parse(line); } catch { continue; }
        if (o.type === 'entry' && o.anchor === true && dir === 0) this.anchor = o.cursor;
        if (o.type === 'entry') got.push({ cursor: o.cursor, ts: o.ts || '', level: o.level || '', msg: typeof o.line === 'string' ? o.line : String(o.msg ?? '') });
        else if (o.type === 'end') end = o;
        else if (o.type === 'error') error = o.error;
      }
    };
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (!end) {
        this.status(error ? `The server refused: ${error}` : `The context could not be loaded (${ev.reason || 'connection closed'}).`);
        // A refused upgrade (400, 429: too many history queries) says why
        // only over plain HTTP.
        if (!error && !ev.reason) this.explain(ws.url);
        return;
      }
      const seen = new Set(this.lines.map((l) => l.cursor));
      const fresh = got.filter((l) => !seen.has(l.cursor));
      if (dir < 0) this.lines = [...fresh, ...this.lines];
      else if (dir > 0) this.lines = [...this.lines, ...fresh];
      else this.lines = fresh;
      const more = dir < 0 ? end.before : dir > 0 ? end.after : end.before + end.after;
      this.status(dir !== 0 && fresh.length === 0 ? `Nothing more ${dir < 0 ? 'before' : 'after'} these lines.`
        : `${fmtInt(this.lines.length)} lines of this file${dir === 0 && more < before + after ? ' (the start or end of what Kafka holds)' : ''}.`);
      this.render(dir);
    };
  }

  async explain(url) {
    try {
      const res = await fetch(url.replace(/^ws/, 'http'), { cache: 'no-store' });
      if (res.status >= 400 && res.status !== 426 && !this.ws) this.status(`The context could not be loaded: ${res.status} ${(await res.text()).trim().slice(0, 300)}`);
    } catch { /* the server is down: the status says the connection closed */ }
  }

  status(text) { this.els.status.textContent = text; }

  render(dir = 0) {
    const list = this.els.list;
    const keep = dir < 0 ? list.scrollHeight - list.scrollTop : 0;
    list.textContent = '';
    let anchorEl = null;
    for (const l of this.lines) {
      const row = document.createElement('div');
      row.className = 'cline lv-' + l.level + (l.cursor === this.anchor ? ' anchor' : '');
      if (l.cursor === this.anchor) { anchorEl = row; row.setAttribute('aria-current', 'true'); }
      const ts = document.createElement('span');
      ts.className = 'ts';
      const ms = Date.parse(l.ts);
      ts.textContent = Number.isNaN(ms) ? l.ts : this.fmt(ms);
      const msg = document.createElement('span');
      msg.className = 'msg';
      msg.textContent = l.msg;
      row.append(ts, msg);
      list.append(row);
    }
    if (dir < 0) list.scrollTop = list.scrollHeight - keep;
    else if (dir === 0 && anchorEl) anchorEl.scrollIntoView({ block: 'center' });
  }
}
