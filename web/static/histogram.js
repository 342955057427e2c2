// Histogram counts entries per second of arrival, by level, and draws the
// recent seconds as stacked bars. Arrival time, not the entry's own
// timestamp: it is the live rate, and files read from the start carry event
// times from long ago. Each bucket remembers the first row that arrived in
// it, so a click on a bar can jump there.

const KEEP_SECONDS = 600;

export class Histogram {
  constructor(canvas, levels, { onPick } = {}) {
    this.canvas = canvas;
    this.levels = levels;
    this.buckets = new Map(); // second -> {counts, firstSeq, total}
    this.colors = {};
    this.onPick = onPick || (() => {});
    this.barW = 4;
    this.gap = 1;
    this.lastDrawSec = 0;
    this.newBucket = false;
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
      canvas.title = b ? describe(b, this.levels) : '';
      canvas.style.cursor = b ? 'pointer' : 'default';
    });
  }

  add(levelIdx, seq, nowMs) {
    const sec = Math.floor(nowMs / 1000);
    let b = this.buckets.get(sec);
    if (!b) {
      b = { sec, counts: new Uint32Array(this.levels.length), firstSeq: seq, total: 0 };
      this.buckets.set(sec, b);
      this.newBucket = true;
      if (this.buckets.size > KEEP_SECONDS) {
        for (const k of this.buckets.keys()) { if (k < sec - KEEP_SECONDS) this.buckets.delete(k); else break; }
      }
    }
    b.counts[levelIdx]++;
    b.total++;
  }

  clear() { this.buckets.clear(); }

  setColors(colors) { this.colors = colors; }

  bars() {
    const w = this.w;
    return Math.max(1, Math.floor(w / (this.barW + this.gap)));
  }

  bucketAtX(x) {
    const n = this.bars();
    const nowSec = Math.floor(Date.now() / 1000);
    const w = this.w;
    const i = Math.floor((w - x) / (this.barW + this.gap)); // 0 = newest
    if (i < 0 || i >= n) return null;
    return this.buckets.get(nowSec - i) || null;
  }

  // draw repaints when the bars move along (a new second), when a bucket
  // was added since the last draw, or when forced (theme, size): at most
  // about once a second while lines flow, since per-second bars change
  // nothing more often. app.js calls it from its paints and from a 1 s timer.
  draw(nowMs, force = false) {
    const nowSec = Math.floor(nowMs / 1000);
    if (!force && nowSec === this.lastDrawSec && !this.newBucket) return;
    this.newBucket = false;
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
    let peak = 1;
    for (let i = 0; i < n; i++) {
      const b = this.buckets.get(nowSec - i);
      if (b && b.total > peak) peak = b.total;
    }
    const top = 12; // room for the scale label
    const scale = (h - top - 1) / peak;
    for (let i = 0; i < n; i++) {
      const b = this.buckets.get(nowSec - i);
      if (!b) continue;
      const x = w - (i + 1) * (this.barW + this.gap);
      let y = h;
      // Most severe on top, where the eye lands.
      for (const l of this.order) {
        const cnt = b.counts[l];
        if (!cnt) continue;
        const bh = Math.max(1, cnt * scale);
        ctx.fillStyle = this.colors[this.levels[l]] || '#888';
        ctx.fillRect(x, y - bh, this.barW, bh);
        y -= bh;
      }
    }
    ctx.fillStyle = this.colors.axis || '#888';
    ctx.font = '10px system-ui, sans-serif';
    ctx.textBaseline = 'top';
    ctx.fillText(`${peak.toLocaleString()}/s`, 2, 1);
    const last = this.buckets.get(nowSec - 1);
    const rate = `${(last ? last.total : 0).toLocaleString()} lines/s`;
    ctx.textAlign = 'right';
    ctx.fillText(rate, w - 2, 1);
    ctx.textAlign = 'left';
  }
}

function describe(b, levels) {
  const t = new Date(b.sec * 1000).toLocaleTimeString();
  const parts = [];
  for (let l = levels.length - 1; l >= 0; l--) if (b.counts[l]) parts.push(`${levels[l]} ${b.counts[l]}`);
  return `${t}: ${b.total} lines (${parts.join(', ')}). Click to jump there.`;
}
