// Histogram counts entries per second of their own time (the entry's ts;
// its arrival when it has none), by level, and draws the seconds before the
// window's end as stacked bars over a time axis. Entry time, not arrival:
// the backfill that arrives in one burst spreads over the seconds its lines
// were written, and a click on a bar lands on rows of that bar's time (each
// bucket remembers the first row that arrived for it).
//
// The window ends now while entries are recent; when the newest entry is
// older than the window (files read from the start), it ends at the newest
// entry instead, so old logs still draw. Heights are on a log scale: a
// burst of thousands and a trickle of a few lines a second both stay
// readable side by side.

const KEEP_SECONDS = 900;
const TOP = 12; // room for the scale label
const AXIS = 15; // room for the time labels
const TICKS_S = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600];
const MIN_TICK_PX = 70;

export class Histogram {
  // fmtTip(ms) and fmtTick(ms, minutes) format times in the zone the user
  // chose (setFormat changes them); onPick(sec, firstSeq) gets clicks.
  constructor(canvas, levels, { onPick, fmtTip, fmtTick } = {}) {
    this.canvas = canvas;
    this.levels = levels;
    this.buckets = new Map(); // second -> {sec, counts, firstSeq, total}
    this.newest = -Infinity; // the newest second counted
    this.colors = {};
    this.onPick = onPick || (() => {});
    this.setFormat(fmtTip, fmtTick);
    this.barW = 4;
    this.gap = 1;
    this.lastDrawSec = 0;
    this.dirty = false;
    this.endSec = 0; // the window's last second, as last drawn
    this.ticks = []; // [{sec, label}] as last drawn
    // Size from a ResizeObserver: reading clientWidth while drawing would
    // force a layout in the middle of every frame.
    this.w = 0;
    this.h = 0;
    new ResizeObserver(() => { this.w = canvas.clientWidth; this.h = canvas.clientHeight; this.draw(Date.now(), true); }).observe(canvas);
    // Bottom to top: unknown, then trace … fatal.
    this.order = [levels.length - 1, ...levels.slice(0, -1).map((_, i) => i)];
    canvas.addEventListener('click', (ev) => {
      const b = this.bucketAtX(ev.offsetX);
      if (b) this.onPick(b.sec, b.firstSeq);
    });
    canvas.addEventListener('mousemove', (ev) => {
      const b = this.bucketAtX(ev.offsetX);
      canvas.title = b ? this.describe(b) : '';
      canvas.style.cursor = b ? 'pointer' : 'default';
    });
  }

  setFormat(fmtTip, fmtTick) {
    this.fmtTip = fmtTip || ((ms) => new Date(ms).toISOString());
    this.fmtTick = fmtTick || ((ms) => new Date(ms).toISOString().slice(11, 19));
  }

  // add counts an entry of level levelIdx, row seq, written at entryMs.
  add(levelIdx, seq, entryMs) {
    const sec = Math.floor(entryMs / 1000);
    let b = this.buckets.get(sec);
    if (!b) {
      b = { sec, counts: new Uint32Array(this.levels.length), firstSeq: seq, total: 0 };
      this.buckets.set(sec, b);
      if (sec > this.newest) this.newest = sec;
      if (this.buckets.size > KEEP_SECONDS * 1.25) this.prune();
    }
    b.counts[levelIdx]++;
    b.total++;
    this.dirty = true;
  }

  // prune keeps the KEEP_SECONDS seconds before the newest: entry times
  // arrive in any order, so it walks them all, once per KEEP_SECONDS/4 new
  // seconds.
  prune() {
    for (const k of this.buckets.keys()) if (k <= this.newest - KEEP_SECONDS) this.buckets.delete(k);
  }

  clear() { this.buckets.clear(); this.newest = -Infinity; this.dirty = true; }

  setColors(colors) { this.colors = colors; }

  bars() {
    return Math.max(1, Math.floor(this.w / (this.barW + this.gap)));
  }

  // windowEnd is the last second drawn at nowMs (see the file comment).
  windowEnd(nowMs) {
    const nowSec = Math.floor(nowMs / 1000);
    const n = this.bars();
    if (this.newest === -Infinity || (this.newest > nowSec - n && this.newest <= nowSec + 1)) return nowSec;
    return this.newest;
  }

  // xOf is the left edge of second sec's bar, in CSS px, as last drawn.
  xOf(sec) {
    return this.w - (this.endSec - sec + 1) * (this.barW + this.gap);
  }

  bucketAtX(x) {
    const i = Math.floor((this.w - x) / (this.barW + this.gap)); // 0 = the window's last second
    if (i < 0 || i >= this.bars()) return null;
    return this.buckets.get(this.endSec - i) || null;
  }

  // height is the bar height in px for total lines, peak the window's most.
  height(total, peak) {
    const room = this.h - TOP - AXIS;
    if (total <= 0 || room <= 0) return 0;
    return Math.max(2, room * Math.log1p(total) / Math.log1p(Math.max(peak, 1)));
  }

  // draw repaints when a second went by, when entries were counted since the
  // last draw, or when forced (theme, size, time zone): at most about once a
  // second while lines flow. app.js calls it from its paints and from a 1 s
  // timer.
  draw(nowMs, force = false) {
    const nowSec = Math.floor(nowMs / 1000);
    if (!force && nowSec === this.lastDrawSec && !this.dirty) return;
    this.dirty = false;
    this.lastDrawSec = nowSec;
    const c = this.canvas;
    const dpr = window.devicePixelRatio || 1;
    const w = this.w, h = this.h;
    if (w === 0 || h === 0) return;
    if (c.width !== Math.round(w * dpr) || c.height !== Math.round(h * dpr)) {
      c.width = Math.round(w * dpr);
      c.height = Math.round(h * dpr);
    }
    const ctx = c.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    const n = this.bars();
    const end = this.endSec = this.windowEnd(nowMs);
    let peak = 0;
    for (let i = 0; i < n; i++) {
      const b = this.buckets.get(end - i);
      if (b && b.total > peak) peak = b.total;
    }
    const base = h - AXIS;
    for (let i = 0; i < n; i++) {
      const b = this.buckets.get(end - i);
      if (!b) continue;
      const x = w - (i + 1) * (this.barW + this.gap);
      const bh = this.height(b.total, peak);
      let y = base;
      // Each level gets its share of the bar; most severe on top, where the
      // eye lands.
      for (const l of this.order) {
        const cnt = b.counts[l];
        if (!cnt) continue;
        const part = Math.max(1, bh * cnt / b.total);
        ctx.fillStyle = this.colors[this.levels[l]] || '#888';
        ctx.fillRect(x, y - part, this.barW, part);
        y -= part;
      }
    }
    const axis = this.colors.axis || '#888';
    ctx.fillStyle = axis;
    ctx.strokeStyle = axis;
    ctx.font = '10px system-ui, sans-serif';
    ctx.textBaseline = 'top';
    ctx.fillText(peak ? `peak ${peak.toLocaleString()}/s · log scale` : 'lines per second', 2, 1);
    const last = this.buckets.get(nowSec - 1);
    ctx.textAlign = 'right';
    ctx.fillText(`${(last ? last.total : 0).toLocaleString()} lines/s now`, w - 2, 1);
    // The time axis: a baseline and labelled ticks on round seconds.
    ctx.globalAlpha = 0.5;
    ctx.fillRect(0, base, w, 1);
    ctx.globalAlpha = 1;
    const step = TICKS_S.find((s) => s * (this.barW + this.gap) >= MIN_TICK_PX) || TICKS_S.at(-1);
    this.ticks = [];
    ctx.textAlign = 'center';
    for (let sec = end - (end % step); sec > end - n; sec -= step) {
      const x = this.xOf(sec) + this.barW / 2;
      if (x < 26 || x > w - 26) continue; // a label cut by the edge
      const label = this.fmtTick(sec * 1000, step >= 60);
      ctx.fillRect(Math.round(x), base + 1, 1, 2);
      ctx.fillText(label, x, base + 4);
      this.ticks.push({ sec, label });
    }
    ctx.textAlign = 'left';
  }

  describe(b) {
    const parts = [];
    for (let l = this.levels.length - 1; l >= 0; l--) if (b.counts[l]) parts.push(`${this.levels[l]} ${b.counts[l]}`);
    return `${this.fmtTip(b.sec * 1000)}: ${b.total} lines (${parts.join(', ')}). Click to jump there.`;
  }
}
