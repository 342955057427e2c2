// Scroller: the virtual scroller over a Ring of rows. It owns following and
// pausing, the scroll position, and the few row elements on screen; what a
// row shows is the caller's (fill).
//
// Painting happens at most once per animation frame (every 50-100 ms while
// following) and touches only the rows on screen: row elements are keyed to
// rows, rows already shown are neither refilled nor moved, and the view
// scrolls by translating one container (#track, see drawRows). Nothing reads
// layout after writing it in the same frame.
//
// Row items are the caller's objects; the scroller reads only item.open (an
// open row's height is measured, into item.measured).

export const ROW_H = 20; // px; style.css --row-h must match
export const MAX_SCROLL_PX = 15_000_000; // browsers cap element heights near 33M px
export const BOTTOM_PAD = 8;
export const PAUSED_PAD = 52; // room below the last row for the floating "back to live" button
const REBASE_PX = 100_000; // keep transforms small: compositors use float32
const FOLLOW_PAINT_MS = 50;
const FIREHOSE_PAINT_MS = 100; // when each paint replaces the whole screen

// geometry maps content of total px onto a scrollbar: browsers cap an
// element's height, so beyond MAX_SCROLL_PX the scrollbar is a scaled
// stand-in for the virtual position.
export function geometry(total, vh, following) {
  const content = total + (following ? BOTTOM_PAD : PAUSED_PAD);
  const spacerPx = Math.min(content, MAX_SCROLL_PX);
  const scrollMax = Math.max(0, spacerPx - vh);
  const virtMax = Math.max(0, content - vh);
  return { content, spacerPx, scrollMax, virtMax };
}

// virtualTop is the virtual offset at scroll position st.
export function virtualTop(g, st) {
  return g.scrollMax > 0 ? st * g.virtMax / g.scrollMax : 0;
}

export class Scroller {
  // els: {scroller, rows, track, spacer}. fill(el, item, seq) writes a row;
  // isCurrent(el, item, seq) says an element still shows item as it should
  // look; newRow() makes a row element; onRelease(el) runs when an element
  // leaves a row; afterPaint(urgent, frameTime) runs after each paint;
  // onFollow(following) when following starts or stops.
  constructor(ring, els, { fill, isCurrent, newRow, onRelease, afterPaint, onFollow }) {
    this.ring = ring;
    this.els = els;
    this.fill = fill;
    this.isCurrent = isCurrent;
    this.makeRow = newRow;
    this.onRelease = onRelease || (() => {});
    this.afterPaint = afterPaint || (() => {});
    this.onFollow = onFollow || (() => {});
    this.following = true;
    this.anchor = { seq: -1, delta: 0 }; // what stays put on screen while paused
    this.reveal = -1; // an expanded row to bring fully into view
    this.newWhilePaused = 0;
    this.vh = els.scroller.clientHeight; // then from a ResizeObserver
    this.scrollTop = 0; // the scroller's, as last set or seen
    this.lastSetScrollTop = -1;
    this.pendingScroll = -1; // scrollTop to write at the start of the next paint
    this.spacerSet = -1;
    this.onScreen = new Map(); // seq -> row element
    this.spare = []; // row elements not showing a row
    this.baseY = 0; // absolute position (ring.base + offset) of transform 0 in #track
    this.trackY = NaN;
    this.filledLast = 0;
    this.want = []; // seq, offset pairs of the rows on screen; reused
    this.urgent = true;
    this.lastPaint = 0;
    this.rafPending = false;
    // A paint that is not due yet waits on a timer, not in
    // requestAnimationFrame: every animation frame requested costs a pass
    // through the rendering pipeline even when paint() has nothing to do.
    this.paintTimer = 0;
    this.maxPaintMs = 0;
    this.paintBound = (t) => this.paint(t);
    // An open row wraps long lines and lists fields: its height is measured
    // by a ResizeObserver, after layout, so painting never forces a
    // synchronous one.
    this.rowSizes = new ResizeObserver((entries) => {
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
      if (changed || this.reveal >= 0) this.schedule(true);
    });
    this.listen();
  }

  listen() {
    const sc = this.els.scroller;
    sc.addEventListener('wheel', (ev) => { if (ev.deltaY < 0) this.pause(); }, { passive: true });
    sc.addEventListener('touchmove', () => this.pause(), { passive: true });
    sc.addEventListener('scroll', () => {
      const st = sc.scrollTop;
      this.scrollTop = st;
      if (Math.abs(st - this.lastSetScrollTop) <= 1) return; // our own
      this.pendingScroll = -1; // the user's scroll wins
      this.lastSetScrollTop = -1;
      const g = this.geometry();
      if (st >= g.scrollMax - 2) {
        if (!this.following && g.scrollMax > 0) this.follow();
        return;
      }
      this.pause();
      this.setAnchor(virtualTop(g, this.scrollTop));
      this.schedule(true);
    }, { passive: true });
    new ResizeObserver(() => {
      this.vh = sc.clientHeight; // layout is clean in a ResizeObserver callback
      this.schedule(true);
    }).observe(sc);
  }

  geometry() { return geometry(this.ring.total, this.vh, this.following); }

  follow() {
    this.following = true;
    this.newWhilePaused = 0;
    this.onFollow(true);
    this.schedule(true);
  }

  pause() {
    if (!this.following) return;
    this.following = false;
    this.newWhilePaused = 0;
    this.setAnchor(virtualTop(this.geometry(), this.scrollTop));
    this.onFollow(false);
    this.schedule(true);
  }

  // show pauses with row seq at the top, plus delta px; delta -1 centres it.
  show(seq, delta = 0) {
    const was = this.following;
    this.following = false;
    this.newWhilePaused = 0;
    this.anchor = { seq, delta };
    if (was) this.onFollow(false);
    this.schedule(true);
  }

  // added counts a row pushed while paused (for "n new lines").
  added() { if (!this.following) this.newWhilePaused++; }

  // reset forgets every row element, for a ring that was cleared.
  reset() {
    for (const el of this.onScreen.values()) this.release(el);
    this.onScreen.clear();
    this.reveal = -1;
    this.anchor = { seq: -1, delta: 0 };
    this.follow();
  }

  // schedule asks for a paint. now: the user did something, answer in this
  // frame; otherwise a follow-mode paint waits until paintGap() after the
  // last one, since at thousands of lines a second nobody reads 60 screens a
  // second.
  schedule(now = false) {
    if (now) {
      this.urgent = true;
      if (this.paintTimer) { clearTimeout(this.paintTimer); this.paintTimer = 0; this.rafPending = false; }
    }
    if (this.rafPending) return;
    this.rafPending = true;
    const wait = this.following && !this.urgent ? this.lastPaint + this.paintGap() - performance.now() : 0;
    if (wait > 1) {
      this.paintTimer = setTimeout(() => { this.paintTimer = 0; requestAnimationFrame(this.paintBound); }, wait);
    } else {
      requestAnimationFrame(this.paintBound);
    }
  }

  paintGap() {
    return this.onScreen.size > 0 && this.filledLast >= this.onScreen.size ? FIREHOSE_PAINT_MS : FOLLOW_PAINT_MS;
  }

  paint(frameTime) {
    const t0 = performance.now();
    const ring = this.ring;
    this.rafPending = false;
    // The scroll position decided by the last paint is written now, before
    // anything else: layout is still clean from the last frame, whereas
    // writing it after the spacer's new height would force a synchronous
    // layout. The rows do not depend on it (#rows is sticky and #track is
    // translated), so only the scrollbar is one frame late. vh comes from a
    // ResizeObserver for the same reason.
    if (this.pendingScroll >= 0) {
      this.els.scroller.scrollTop = this.pendingScroll;
      // Read back (cheap: nothing is dirty yet): the browser may have
      // clamped it, and the scroll event must still know it for ours.
      this.lastSetScrollTop = this.scrollTop = this.els.scroller.scrollTop;
      this.pendingScroll = -1;
    }
    if (this.following && !this.urgent && frameTime - this.lastPaint < this.paintGap() - 2) { this.schedule(); return; }
    const wasUrgent = this.urgent;
    this.urgent = false;
    this.lastPaint = frameTime;
    const vh = this.vh;
    const g = this.geometry();
    const sp = Math.max(0, g.spacerPx - vh);
    if (sp !== this.spacerSet) { this.spacerSet = sp; this.els.spacer.style.height = sp + 'px'; }
    let top;
    if (this.following) {
      top = g.virtMax;
    } else if (ring.has(this.reveal)) {
      // A row just expanded: scroll just enough to show all of it, once its
      // height is measured.
      const o = ring.offset(this.reveal), h = ring.height(this.reveal);
      top = virtualTop(g, this.scrollTop);
      const room = vh - PAUSED_PAD; // not under the "back to live" button
      if (o + h > top + room) top = Math.min(o, o + h - room);
      top = Math.min(Math.max(0, top), g.virtMax);
      this.setAnchor(top);
      if (ring.get(this.reveal).measured) this.reveal = -1;
    } else if (ring.has(this.anchor.seq)) {
      const a = this.anchor;
      top = a.delta === -1 ? ring.offset(a.seq) - (vh - ring.height(a.seq)) / 2 : ring.offset(a.seq) + a.delta;
      top = Math.min(Math.max(0, top), g.virtMax);
      if (a.delta === -1) this.setAnchor(top);
    } else {
      top = Math.min(virtualTop(g, this.scrollTop), g.virtMax);
      this.setAnchor(top);
    }
    top = Math.round(top);
    const st = g.virtMax > 0 ? Math.round(top * g.scrollMax / g.virtMax) : 0;
    if (Math.abs(this.scrollTop - st) > 1) {
      this.pendingScroll = st;
      this.scrollTop = st;
      this.schedule();
    }
    this.drawRows(top);
    this.afterPaint(wasUrgent, frameTime);
    const ms = performance.now() - t0;
    if (ms > this.maxPaintMs) this.maxPaintMs = ms;
  }

  setAnchor(top) {
    const seq = this.ring.at(top);
    this.anchor = { seq, delta: seq < 0 ? 0 : top - this.ring.offset(seq) };
  }

  // drawRows keys row elements by seq: a row that stays on screen keeps its
  // element, its text is never written again, and only its position may
  // change. Rows sit at base-relative positions inside #track, and scrolling
  // moves #track alone (one transform, a composited layer): when following,
  // the rows already on screen do not move, relayout or repaint; only the new
  // ones at the bottom are filled, from elements recycled from rows that
  // scrolled out.
  drawRows(top) {
    const ring = this.ring, want = this.want, vh = this.vh;
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
    if (want.length > 0 && Math.abs(abs + want[1] - this.baseY) > REBASE_PX) {
      this.baseY = abs + want[1];
      for (const el of this.onScreen.values()) el._y = NaN;
    }
    // Release rows that left the screen or whose content is stale.
    for (const [seq, el] of this.onScreen) {
      const item = ring.get(seq);
      const y = ring.offset(seq);
      if (!item || ring.height(seq) === 0 || y + ring.height(seq) <= top || y >= top + vh || !this.isCurrent(el, item, seq)) {
        this.release(el);
        this.onScreen.delete(seq);
      }
    }
    let filled = 0;
    for (let i = 0; i < want.length; i += 2) {
      const seq = want[i];
      const item = ring.get(seq);
      let el = this.onScreen.get(seq);
      if (!el) {
        el = this.spare.pop() || this.newRow();
        el._seq = seq; el._item = item; el._open = item.open;
        this.fill(el, item, seq);
        if (item.open) this.rowSizes.observe(el);
        this.onScreen.set(seq, el);
        filled++;
      }
      const y = abs + want[i + 1] - this.baseY;
      if (el._y !== y) { el._y = y; el.style.transform = `translateY(${y}px)`; }
      const h = item.open ? '' : ring.height(seq) + 'px';
      if (el._h !== h) { el._h = h; el.style.height = h; }
      if (el.hidden) el.hidden = false;
    }
    for (const el of this.spare) {
      if (!el.hidden) { el.hidden = true; this.onRelease(el, true); }
    }
    this.filledLast = filled;
    const ty = this.baseY - (abs + top);
    if (ty !== this.trackY) { this.trackY = ty; this.els.track.style.transform = `translateY(${ty}px)`; }
  }

  newRow() {
    const el = this.makeRow();
    el._seq = -1; el._y = NaN; el._h = '';
    this.els.track.appendChild(el);
    return el;
  }

  release(el) {
    if (el._open) this.rowSizes.unobserve(el);
    el._seq = -1; el._item = null; el._open = false;
    this.onRelease(el, false);
    this.spare.push(el);
  }

  // rowsOnScreen is the row elements shown, for tests.
  rowsOnScreen() { return [...this.onScreen.values()]; }
}
