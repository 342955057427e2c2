// The Patterns panel: the server's "patterns" messages (docs/protocol.md)
// shown beside the stream, most frequent first, each with a sparkline of the
// last 15 minutes, its share, and a "new" badge for a pattern first seen
// within the server's new-pattern window. Clicking a template filters the
// stream to it (pattern=ID, again to stop); mute hides it (not_pattern=ID),
// and the muted patterns are listed below with their line count and an
// unmute button. Both live in the page URL like the other filters
// (filters.js); this module only asks app.js to change the filter
// (setPatterns) and never talks to the server itself except through send.

import { fmtInt } from './format.js';

export const PATTERN_TOP = 30;
// WINDOW_MS is the span the counts cover (the server's 90 buckets of 10 s).
export const WINDOW_MS = 15 * 60 * 1000;

// The panel's visibility lives in the URL as patpanel: '1' open, '0'
// closed, '' the default for the width (open beside the stream on a wide
// screen, closed on a narrow one, where it opens as a drawer over it).
export function panelOpen(state, narrow) {
  return state === '' ? !narrow : state === '1';
}

// togglePanel is the patpanel state after the toggle button, as an
// explicit choice either way.
export function togglePanel(state, narrow) {
  return panelOpen(state, narrow) ? '0' : '1';
}

// toggleLabel is the toolbar button's text for a "patterns" message:
// how many patterns, and how many of those shown are new.
export function toggleLabel(m) {
  if (!m) return 'patterns';
  const n = m.distinct || 0;
  const fresh = (m.patterns || []).filter((p) => p.new).length;
  return `patterns ${fmtInt(n)}${fresh ? ` · ${fmtInt(fresh)} new` : ''}`;
}

// sinceNote says from when the counts run when they start inside the
// window: the counts of a filter beyond service are rebuilt, on every
// filter change, from what the server still holds (docs/protocol.md).
export function sinceNote(m, now, fmt) {
  const t = m && m.since ? Date.parse(m.since) : NaN;
  if (Number.isNaN(t) || t <= now - WINDOW_MS) return '';
  return `since ${fmt(t)}`;
}
const SVG = 'http://www.w3.org/2000/svg';

const csv = (s) => (s ? s.split(',').map((x) => x.trim()).filter(Boolean) : []);

export class PatternsPanel {
  // el: the panel element. filter(): the view's filter. setPatterns({pattern,
  // not_pattern}): apply a new pattern filter (comma-separated ids).
  // send(text): a client message to the server; false when disconnected.
  // button (optional): the toolbar toggle, labelled with the counts.
  // fmt(ms): a clock time, for when the counts start.
  constructor({ el, filter, setPatterns, send, button = null, fmt = (ms) => new Date(ms).toLocaleTimeString() }) {
    this.el = el;
    this.button = button;
    this.fmt = fmt;
    this.filter = filter;
    this.setPatterns = setPatterns;
    this.send = send;
    this.last = null; // the last "patterns" message
    this.known = new Map(); // id -> row, for muted patterns the top may lack
    this.renamed = new Map(); // an earlier id -> the id its pattern has now
    this.updates = 0;
    el.innerHTML = '<div class="p-head"><strong>Patterns</strong> <span class="p-sum"></span>' +
      '<button type="button" class="p-all" hidden title="Stop filtering by pattern">show all</button></div>' +
      '<ol class="p-list"></ol><div class="p-muted" hidden></div>';
    this.sum = el.querySelector('.p-sum');
    this.all = el.querySelector('.p-all');
    this.list = el.querySelector('.p-list');
    this.muted = el.querySelector('.p-muted');
    this.all.addEventListener('click', () => this.setPatterns({ pattern: '' }));
    el.addEventListener('click', (ev) => this.onClick(ev));
  }

  // subscribe asks for updates; called on every hello (a new connection).
  subscribe() { this.send(JSON.stringify({ type: 'patterns', top: PATTERN_TOP })); }

  update(m) {
    this.last = m;
    this.updates++;
    for (const p of m.patterns || []) this.known.set(p.id, p);
    if (this.follow(m.patterns || [])) return; // the filter changed: render() runs from setPatterns
    if (this.known.size > 10 * PATTERN_TOP) { // keep the muted ones, forget the oldest others
      const keep = new Set(csv(this.filter().not_pattern));
      for (const id of this.known.keys()) { if (this.known.size <= 5 * PATTERN_TOP) break; if (!keep.has(id)) this.known.delete(id); }
    }
    this.render();
  }

  // follow adds a pattern's new id to the pattern filter when its template
  // generalised (the row's "was" names the ids it had), so that a filtered
  // or muted pattern stays filtered or muted. It reports whether it did.
  follow(rows) {
    const renamed = this.renamed;
    for (const p of rows) for (const w of p.was || []) renamed.set(w, p.id);
    while (renamed.size > 10 * PATTERN_TOP) renamed.delete(renamed.keys().next().value);
    const f = this.filter();
    const pat = csv(f.pattern), muted = csv(f.not_pattern);
    if (!pat.length && !muted.length) return false;
    // The old id stays too: the rows held still carry it.
    const move = (ids) => [...new Set(ids.flatMap((id) => (renamed.has(id) ? [id, renamed.get(id)] : [id])))];
    const pat2 = move(pat), muted2 = move(muted);
    if (pat2.join(',') === pat.join(',') && muted2.join(',') === muted.join(',')) return false;
    this.setPatterns({ pattern: pat2.join(','), not_pattern: muted2.join(',') });
    return true;
  }

  onClick(ev) {
    const btn = ev.target.closest('button');
    const li = ev.target.closest('[data-id]');
    if (!btn || !li) return;
    const id = li.dataset.id;
    const f = this.filter();
    const muted = csv(f.not_pattern);
    if (btn.classList.contains('p-mute')) {
      const pat = csv(f.pattern).filter((x) => x !== id);
      this.setPatterns({ pattern: pat.join(','), not_pattern: [...muted, id].join(',') });
    } else if (btn.classList.contains('p-unmute')) {
      // Every id of the pattern goes: the one shown and those it had.
      this.setPatterns({ not_pattern: muted.filter((x) => x !== id && this.current(x) !== id).join(',') });
    } else if (btn.classList.contains('p-tmpl')) {
      this.setPatterns({ pattern: csv(f.pattern).includes(id) ? '' : id });
    }
  }

  render() {
    const f = this.filter();
    const only = new Set(csv(f.pattern));
    let muted = csv(f.not_pattern);
    const mutedSet = new Set(muted);
    const m = this.last || { patterns: [], total: 0 };
    this.all.hidden = only.size === 0;
    const since = sinceNote(m, Date.now(), this.fmt);
    this.sum.textContent = `${fmtInt(m.total)} lines · ${m.learning ? 'learning' : since || '15 min'}`;
    if (this.button) {
      this.button.textContent = toggleLabel(this.last);
      this.button.classList.toggle('has-new', (m.patterns || []).some((p) => p.new));
    }
    this.sum.title = `${fmtInt(m.distinct || 0)} patterns in the window${m.evicted ? `, ${fmtInt(m.evicted)} evicted for the cap` : ''}` +
      (m.since ? `; counts of this filter since ${this.fmt(Date.parse(m.since))}, rebuilt when the filter changes` : '');
    this.list.textContent = '';
    for (const p of m.patterns || []) {
      if (mutedSet.has(p.id)) continue;
      if (only.size && !only.has(p.id) && (p.was || []).some((w) => only.has(w))) only.add(p.id);
      this.list.append(this.row(p, only.has(p.id)));
    }
    // A muted pattern shows once, under the id it has now.
    muted = [...new Set(muted.map((id) => { const c = this.current(id); return mutedSet.has(c) ? c : id; }))];
    this.muted.hidden = muted.length === 0;
    this.muted.textContent = '';
    if (muted.length) {
      let lines = 0;
      for (const id of muted) lines += this.known.get(id)?.count || 0;
      const h = document.createElement('div');
      h.className = 'p-muted-head';
      h.textContent = `${muted.length} muted · ${fmtInt(lines)} lines hidden`;
      const ul = document.createElement('ul');
      for (const id of muted) {
        const p = this.known.get(id);
        const li = document.createElement('li');
        li.dataset.id = id;
        const t = document.createElement('span');
        t.className = 'p-tmpl-text';
        t.textContent = p ? p.template : id;
        const b = document.createElement('button');
        b.type = 'button'; b.className = 'p-unmute'; b.textContent = 'unmute'; b.title = 'Show this pattern again';
        li.append(b, t);
        ul.append(li);
      }
      this.muted.append(h, ul);
    }
  }

  // current is the id id's pattern has now, as far as the updates said.
  current(id) {
    for (let i = 0; i < 16 && this.renamed.has(id); i++) id = this.renamed.get(id);
    return id;
  }

  row(p, active) {
    const li = document.createElement('li');
    li.className = 'pat' + (active ? ' active' : '') + (p.new ? ' new' : '');
    li.dataset.id = p.id;
    const t = document.createElement('button');
    t.type = 'button'; t.className = 'p-tmpl';
    t.title = `${p.service}: ${p.template}\nexample: ${p.example}\nfirst seen ${p.first_seen}\nclick: ${active ? 'show every pattern' : 'show only this pattern'}`;
    t.textContent = p.template;
    const stat = document.createElement('div');
    stat.className = 'p-stat';
    if (p.new) {
      const b = document.createElement('span');
      b.className = 'p-new'; b.textContent = 'new'; b.title = `first seen ${p.first_seen}`;
      stat.append(b);
    }
    const c = document.createElement('span');
    c.className = 'p-count'; c.textContent = fmtInt(p.count);
    const s = document.createElement('span');
    s.className = 'p-share'; s.textContent = pct(p.share);
    const mute = document.createElement('button');
    mute.type = 'button'; mute.className = 'p-mute'; mute.textContent = 'mute'; mute.title = 'Hide this pattern from the stream';
    stat.append(spark(p.spark || []), c, s, mute);
    li.append(t, stat);
    return li;
  }
}

function pct(x) {
  const v = (x || 0) * 100;
  return v >= 10 ? `${Math.round(v)}%` : `${v.toFixed(1)}%`;
}

// spark draws the buckets (oldest first) as a polyline scaled to its peak.
function spark(buckets) {
  const w = 90, h = 16;
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('class', 'p-spark');
  svg.setAttribute('viewBox', `0 0 ${w} ${h}`);
  svg.setAttribute('width', String(w)); svg.setAttribute('height', String(h));
  svg.setAttribute('aria-hidden', 'true');
  const peak = Math.max(1, ...buckets);
  const n = Math.max(buckets.length - 1, 1);
  const pts = buckets.map((v, i) => `${((i / n) * w).toFixed(1)},${(h - 1 - (v / peak) * (h - 2)).toFixed(1)}`).join(' ');
  const pl = document.createElementNS(SVG, 'polyline');
  pl.setAttribute('points', pts);
  svg.append(pl);
  return svg;
}
