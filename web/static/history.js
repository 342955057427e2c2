// The history part of the viewer: the time picker, the scan's progress, the
// range histogram (drag to zoom, click to jump), the end of a range with
// "go live from here", and the where filters shown as removable chips.
//
// It owns its elements and talks to app.js through callbacks: onRange(range)
// when the user asks for another range or where list (a new query), onJump(ms,
// stepMs) for a click on a bar, onGoLive() at the end of a range. The state
// (the range) stays in app.js; show(range) redraws the controls for it.

import { PRESETS, describeRange, fromLocalInput, localInput, timeMs, zoomRange, isRange } from './range.js';
import { fmtInt } from './format.js';

const DRAG_PX = 4; // a shorter drag is a click

export class HistoryView {
  constructor({ els, levels, onRange, onJump, onGoLive, fmt }) {
    this.els = els; // picker, from, to, apply, wheres, status, golive, rhist
    this.levels = levels;
    this.onRange = onRange;
    this.onJump = onJump;
    this.onGoLive = onGoLive;
    this.fmt = fmt;
    this.range = null;
    this.hist = null; // the last histogram message
    this.progress = null;
    this.ended = null;
    this.colors = {};
    this.drag = null;
    this.wire();
  }

  wire() {
    const { picker, from, to, apply, rhist, golive } = this.els;
    picker.addEventListener('change', () => {
      const v = picker.value;
      if (v === 'custom') {
        document.body.classList.add('custom-range');
        const now = Date.now();
        if (!from.value) from.value = localInput(isRange(this.range) ? timeMs(this.range.from) : now - 3_600_000);
        if (!to.value) to.value = localInput(this.range?.to ? timeMs(this.range.to) : now);
        from.focus();
        return;
      }
      document.body.classList.remove('custom-range');
      this.onRange({ ...this.range, from: v, to: '' });
    });
    apply.addEventListener('click', () => this.applyCustom());
    for (const el of [from, to]) {
      el.addEventListener('keydown', (ev) => { if (ev.key === 'Enter') { ev.preventDefault(); this.applyCustom(); } });
    }
    golive.addEventListener('click', () => this.onGoLive());
    this.els.wheres.addEventListener('click', (ev) => {
      const b = ev.target.closest('button[data-where]');
      if (!b) return;
      this.onRange({ ...this.range, where: this.range.where.filter((w) => w !== b.dataset.where) });
    });
    rhist.addEventListener('pointerdown', (ev) => {
      if (!this.hist) return;
      rhist.setPointerCapture(ev.pointerId);
      this.drag = { x0: ev.offsetX, x1: ev.offsetX };
    });
    rhist.addEventListener('pointermove', (ev) => {
      if (this.drag) { this.drag.x1 = ev.offsetX; this.draw(); return; }
      this.tip(ev.offsetX);
    });
    rhist.addEventListener('pointerup', (ev) => {
      const d = this.drag;
      this.drag = null;
      if (!d || !this.hist) return;
      d.x1 = ev.offsetX;
      if (Math.abs(d.x1 - d.x0) < DRAG_PX) {
        const i = this.bucketAt(d.x1);
        if (i >= 0) this.onJump(this.bucketMs(i), this.hist.step_ms);
      } else {
        const z = zoomRange(this.range, this.msAt(d.x0), this.msAt(d.x1));
        if (z) this.onRange(z);
      }
      this.draw();
    });
    rhist.addEventListener('pointercancel', () => { this.drag = null; this.draw(); });
    new ResizeObserver(() => this.draw()).observe(rhist);
  }

  applyCustom() {
    const from = fromLocalInput(this.els.from.value);
    const to = fromLocalInput(this.els.to.value);
    if (!from) { this.status('Give the start of the range.'); return; }
    if (to && Date.parse(to) <= Date.parse(from)) { this.status('The end of the range must come after its start.'); return; }
    document.body.classList.remove('custom-range');
    this.onRange({ ...this.range, from, to });
  }

  // show sets the controls for range, and forgets the previous query's
  // progress, histogram and end.
  show(range) {
    this.range = range;
    this.hist = null; this.progress = null; this.ended = null;
    const { picker, from, to, wheres, golive } = this.els;
    const preset = !range.from || (PRESETS.includes(range.from) && !range.to);
    picker.value = preset ? range.from : 'custom';
    picker.title = describeRange(range, this.fmt);
    if (!preset) {
      from.value = localInput(timeMs(range.from));
      to.value = range.to ? localInput(timeMs(range.to)) : '';
    }
    document.body.classList.toggle('history', isRange(range));
    wheres.textContent = '';
    for (const w of range.where) {
      const b = document.createElement('button');
      b.type = 'button'; b.className = 'chip'; b.dataset.where = w;
      b.title = 'Remove this field filter';
      b.textContent = w + ' ×';
      wheres.append(b);
    }
    wheres.hidden = range.where.length === 0;
    golive.hidden = true;
    this.status(isRange(range) ? `Scanning ${describeRange(range, this.fmt)}…` : '');
    this.draw();
  }

  status(text) {
    this.els.status.textContent = text;
    this.els.status.hidden = !text;
  }

  // handle takes the protocol's progress, histogram and end messages;
  // it returns whether o was one of them.
  handle(o) {
    switch (o.type) {
      case 'progress':
        this.progress = o;
        if (!this.ended) {
          const pct = o.of > 0 ? Math.min(100, Math.floor((100 * o.scanned) / o.of)) : 0;
          this.status(`Scanning ${describeRange(this.range, this.fmt)}: ${fmtInt(o.scanned | 0)} of ${fmtInt(o.of | 0)} records (${pct}%)…`);
        }
        return true;
      case 'histogram':
        this.hist = o;
        this.draw();
        return true;
      case 'end':
        this.ended = o;
        this.status(this.endText(o));
        this.els.golive.hidden = !this.range.to;
        return true;
    }
    return false;
  }

  endText(o) {
    if ((o.sent | 0) === 0) return `No entries in this range (${describeRange(this.range, this.fmt)}).`;
    let s = `${fmtInt(o.sent)} entries of ${describeRange(this.range, this.fmt)}`;
    if (o.limited) s += ` (the first ${fmtInt(o.sent)} of ${fmtInt(o.matched | 0)}: narrow the range to see the rest)`;
    if (o.incomplete) s += `; may be incomplete: ${o.reason || ''}`;
    return s + (this.range.to ? '.' : ', then live.');
  }

  setColors(colors) { this.colors = colors; this.draw(); }

  // ---- the range histogram ----

  geometry() {
    const c = this.els.rhist;
    const w = c.clientWidth;
    const n = this.hist ? this.hist.buckets : 100;
    return { w, h: c.clientHeight, bw: w / n, n };
  }

  bucketAt(x) {
    const { bw, n } = this.geometry();
    const i = Math.floor(x / bw);
    return i >= 0 && i < n ? i : -1;
  }

  bucketMs(i) { return Date.parse(this.hist.from) + i * this.hist.step_ms; }

  msAt(x) {
    const { w } = this.geometry();
    const span = this.hist.step_ms * this.hist.buckets;
    return Date.parse(this.hist.from) + Math.max(0, Math.min(1, x / w)) * span;
  }

  // totals is the count per bucket, over all levels.
  totals() {
    const t = new Array(this.hist.buckets).fill(0);
    for (const arr of Object.values(this.hist.counts || {})) arr.forEach((v, i) => { t[i] += v; });
    return t;
  }

  tip(x) {
    if (!this.hist) return;
    const i = this.bucketAt(x);
    if (i < 0) return;
    const parts = [];
    for (const l of this.levels) {
      const v = this.hist.counts?.[l]?.[i];
      if (v) parts.push(`${fmtInt(v)} ${l}`);
    }
    this.els.rhist.title = `${this.fmt(this.bucketMs(i))}: ${parts.join(', ') || 'nothing'}` +
      '\nclick: jump there · drag: zoom into a range';
  }

  draw() {
    const c = this.els.rhist;
    if (!c.isConnected || c.clientWidth === 0) return;
    const dpr = window.devicePixelRatio || 1;
    const { w, h, bw, n } = this.geometry();
    if (c.width !== Math.round(w * dpr) || c.height !== Math.round(h * dpr)) {
      c.width = Math.round(w * dpr); c.height = Math.round(h * dpr);
    }
    const g = c.getContext('2d');
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, w, h);
    if (!this.hist) return;
    const totals = this.totals();
    const peak = Math.max(1, ...totals);
    const axis = 12;
    const ph = h - axis;
    for (let i = 0; i < n; i++) {
      let y = ph;
      for (const l of this.levels) {
        const v = this.hist.counts?.[l]?.[i];
        if (!v) continue;
        const bh = Math.max(1, (v / peak) * (ph - 2));
        g.fillStyle = this.colors[l] || '#888';
        g.fillRect(i * bw + 0.5, y - bh, Math.max(1, bw - 1), bh);
        y -= bh;
      }
    }
    g.fillStyle = this.colors.axis || '#888';
    g.font = '10px system-ui, sans-serif';
    g.textBaseline = 'bottom';
    const from = Date.parse(this.hist.from);
    const span = this.hist.step_ms * n;
    g.textAlign = 'left';
    g.fillText(this.fmt(from), 2, h);
    g.textAlign = 'right';
    g.fillText(this.fmt(from + span), w - 2, h);
    if (this.drag) {
      const a = Math.min(this.drag.x0, this.drag.x1);
      const b = Math.max(this.drag.x0, this.drag.x1);
      g.fillStyle = 'rgba(120,160,255,0.25)';
      g.fillRect(a, 0, b - a, ph);
    }
  }
}
