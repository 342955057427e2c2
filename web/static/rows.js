// Rows: what one row element shows. An entry is one line of inline text
// (a few spans in a monospace font, padded to fixed widths), a multi-line
// entry shows a preview, an open one its whole message and fields; a marker
// is a centred line. One set of row actions (copy, permalink) moves to the
// row under the pointer. The scroller (scroller.js) decides which rows are on
// screen and calls fill, current and release.

import { ROW_H } from './scroller.js';
import { LEVELS, LEVEL_RANK } from './filters.js';
import { fmtTime, fmtDate, fit, nthIndex } from './format.js';

export const PREVIEW_LINES = 8; // a collapsed multi-line entry shows at most this many
const PREVIEW_CHARS = 1200; // and at most this many characters
const UNKNOWN = LEVEL_RANK.unknown;
const LEVEL_LABEL = LEVELS.map((l, i) => (i === UNKNOWN ? '-' : l.toUpperCase()).padEnd(5));
const LEVEL_LETTER = LEVELS.map((l, i) => (i === UNKNOWN ? '-' : l[0].toUpperCase()));

export function fieldCount(item) { return item.fields ? Object.keys(item.fields).length : 0; }

// entryItem is the ring's item for an entry message o (docs/protocol.md):
// what a row shows, with every field checked, since the message comes from
// the network; hidden and open are the view's to set.
export function entryItem(o) {
  const msg = typeof o.msg === 'string' ? o.msg : String(o.msg ?? '');
  let lines = 1;
  for (let i = msg.indexOf('\n'); i >= 0; i = msg.indexOf('\n', i + 1)) lines++;
  return {
    k: 0, cursor: o.cursor, ts: o.ts || '', service: o.service || '', host: o.host || '', source: o.source || '',
    level: LEVEL_RANK[o.level] ?? UNKNOWN, msg, lines, fields: o.fields && typeof o.fields === 'object' ? o.fields : null,
    // The line as written; the server leaves it out when it is msg itself.
    line: typeof o.line === 'string' ? o.line : null,
    lineBytes: typeof o.line_bytes === 'string' ? o.line_bytes : null,
    truncated: o.truncated === true, open: false, hidden: false,
    pattern: typeof o.pattern === 'string' ? o.pattern : '', newPat: o.new === true,
  };
}

// heightOf is a row's height before it is measured: an open row's is
// measured once laid out (scroller.js), a hidden one's is 0.
export function heightOf(item) {
  if (item.hidden) return 0;
  if (item.k === 1) return ROW_H;
  if (item.open) return item.measured || ROW_H * (item.lines + fieldCount(item));
  return ROW_H * Math.min(item.lines, PREVIEW_LINES);
}

// rowPainter returns the row functions over ring and the view state (gen,
// utc, narrow, targetSeq, match, filter; read at each call). permalink(seq)
// is a row's link.
export function rowPainter({ ring, view, permalink }) {
  // current: the element still shows item as it should look now.
  function current(el, item, seq) {
    return el._item === item && el._gen === view.gen && el._open === item.open && el._target === (seq === view.targetSeq) && el._v === item.v;
  }

  function releaseRow(el, hidden) {
    if (el._fields) { el._fields.remove(); el._fields = null; }
    if (hidden) el.children[4].textContent = '';
  }

  function newRow() {
    const el = document.createElement('div');
    el.className = 'row';
    el.innerHTML = '<span class="ts"></span><span class="lv"></span>' +
      '<span class="svc"></span><span class="host"></span><span class="msg"></span><span class="badges"></span>';
    return el;
  }

  // A row is one line of inline text: a few spans in a monospace font, padded
  // to fixed widths, so laying it out is shaping a handful of text runs (a flex
  // row of a dozen boxes cost several times more, on every row of every paint
  // while following a fast stream). Multi-line and open rows use flex, so that
  // continuation lines and fields line up under the message.
  function fill(el, item, seq) {
    el._gen = view.gen; el._target = seq === view.targetSeq; el._v = item.v;
    el._link = -1;
    if (acts.parentNode === el) acts.remove();
    const [ts, lv, svc, host, msgEl, badges] = el.children;
    if (item.k === 1) {
      el.className = 'row marker m-' + item.kind;
      ts.textContent = ''; lv.textContent = ''; svc.textContent = ''; host.textContent = ''; badges.textContent = '';
      msgEl.textContent = item.text;
      return;
    }
    const narrow = view.narrow;
    let cls = 'row lv-' + LEVELS[item.level];
    if (item.open) cls += ' open';
    else if (item.lines > 1) cls += ' multi';
    if (seq === view.targetSeq) cls += ' target';
    if (item.newPat) cls += ' newpat';
    // Tooltips (full time, names, source) are set when the pointer comes
    // (showActs): writing them for every row of every paint is wasted work.
    const ms = Date.parse(item.ts);
    ts.textContent = Number.isNaN(ms) ? fit(item.ts, narrow ? 12 : 18)
      : narrow ? fmtTime(ms, { utc: view.utc, short: true }) : fmtDate(ms, { utc: view.utc }) + ' ' + fmtTime(ms, { utc: view.utc, short: true });
    lv.textContent = narrow ? LEVEL_LETTER[item.level] : LEVEL_LABEL[item.level];
    svc.textContent = fit(item.service, narrow ? 8 : 12);
    if (!narrow) host.textContent = fit(item.host, 12);
    let b = '';
    if (item.lines > 1) b += `+${item.lines - 1}↵ `;
    if (item.fields) b += `{${fieldCount(item)}} `;
    if (item.truncated) b += '✂';
    if (item.newPat) b = 'new ' + b;
    badges.textContent = b.trim();
    let text = item.msg;
    if (!item.open && item.lines > PREVIEW_LINES) {
      const cut = nthIndex(text, '\n', PREVIEW_LINES - 1);
      text = text.slice(0, cut) + `\n… ${item.lines - PREVIEW_LINES + 1} more lines (click to expand)`;
    }
    // A collapsed row shows what fits on a wide screen: laying out a 1 MB
    // line to show its first 200 characters would be one long task.
    if (!item.open && text.length > PREVIEW_CHARS) text = text.slice(0, PREVIEW_CHARS) + ' … (click to expand)';
    const match = view.match;
    const m = match && match(text);
    // Highlight-only mode keeps the rows that do not match: a bar marks those
    // that do (beyond the preview too). With a filter every row matches.
    if (view.filter.hl && (m || (match && text !== item.msg && match(item.msg)))) cls += ' hit';
    if (m) {
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
        // "filter for value" / "filter out value": app.js adds the where.
        if (v === null || typeof v !== 'object') {
          for (const [neg, label, title] of [['', '+', 'Filter for this value'], ['1', '−', 'Filter out this value']]) {
            const b = document.createElement('button');
            b.type = 'button'; b.className = 'fv'; b.dataset.key = k; b.dataset.neg = neg;
            b.textContent = label; b.title = title; b.setAttribute('aria-label', `${title}: ${k}`);
            dd.append(b);
          }
        }
        dl.append(dt, dd);
      }
      msgEl.append(dl);
      el._fields = dl;
    }
    el.className = cls;
    if (item.open) showActs(el); // touch screens have no hover: an open row keeps its actions
  }


  // One set of row actions (copy, permalink) moves to the row under the
  // pointer, instead of a hidden copy in every row.
  const acts = document.createElement('span');
  acts.className = 'acts';
  acts.innerHTML = '<button type="button" class="copy" title="Copy this line">copy</button>' +
    '<a class="link" title="Permalink: this line with context">link</a>' +
    '<button type="button" class="show-ctx" title="Show context: the lines around this one in its file">context</button>';

  function showActs(row) {
    if (acts.parentNode !== row) row.append(acts);
    if (row._link === row._seq) return;
    row._link = row._seq;
    acts.querySelector('.link').href = permalink(row._seq);
    const item = ring.get(row._seq);
    const [ts, lv, svc, host, , badges] = row.children;
    ts.title = item.ts;
    lv.title = LEVELS[item.level];
    svc.title = item.service;
    host.title = item.host + (item.source ? ' ' + item.source : '');
    badges.title = [item.lines > 1 ? `${item.lines} lines` : '', item.fields ? `${fieldCount(item)} fields` : '', item.truncated ? 'cut by the collector' : ''].filter(Boolean).join(', ');
  }

  return { current, release: releaseRow, newRow, fill, showActs, acts };
}
