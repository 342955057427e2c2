// Test hooks: window.tailcast lets the browser tests (web/test) assert on the
// viewer's state without scraping the DOM. They are installed only when the
// page was opened by a test, which sets window.tailcastTestHooks = true
// before any script runs (playwright's addInitScript, see harness.mjs): the
// production viewer exposes nothing.

export function installHooks({ conn, stats, ring, view, scroller, els, hist, hv, bySeq, permalink, LEVELS }) {
  if (window.tailcastTestHooks !== true) return;
  window.tailcast = {
    get state() { return conn.state; },
    get opens() { return conn.opens; },
    get received() { return stats.received; },
    get duplicates() { return stats.duplicates; },
    get stats() { return { ...stats, frames: conn.frames || 0, maxFrameBytes: conn.maxFrameBytes, queuedBytes: conn.queued }; },
    get size() { return ring.size; },
    get capacity() { return ring.cap; },
    get rendered() { return els.rows.querySelectorAll('.row:not([hidden])').length; },
    get following() { return scroller.following; },
    get newWhilePaused() { return scroller.newWhilePaused; },
    get filter() { return { ...view.filter }; },
    get target() { return { cursor: view.target, found: view.targetSeq >= 0, seq: view.targetSeq }; },
    get lastCursor() { return conn.lastCursor; },
    // entries held, oldest first; visible: only those the filter shows
    entries({ visible: vis = false } = {}) {
      const out = [];
      ring.forEach((it, seq) => { if (it.k === 0 && (!vis || !it.hidden)) out.push({ cursor: it.cursor, msg: it.msg, level: LEVELS[it.level], service: it.service, host: it.host, ts: it.ts, seq }); });
      return out;
    },
    markers() {
      const out = [];
      ring.forEach((it, seq) => { if (it.k === 1) out.push({ kind: it.kind, text: it.text, seq }); });
      return out;
    },
    // show pauses with row seq at the top.
    show(seq) { scroller.show(seq, 0); },
    // rows on screen (at least partly), top to bottom: the first line of each
    screen() {
      const top = els.rows.getBoundingClientRect().top;
      return [...els.rows.querySelectorAll('.row:not([hidden])')]
        .map((el) => ({ y: el.getBoundingClientRect().top - top, el }))
        .filter(({ y, el }) => y + el.offsetHeight > 0 && y < scroller.vh)
        .sort((a, b) => a.y - b.y)
        .map(({ el }) => el.querySelector('.msg').textContent.split('\n')[0]);
    },
    rowText(seq) {
      const it = ring.get(seq);
      return it ? (it.k === 0 ? it.msg : it.text).split('\n')[0] : undefined;
    },
    histogram() {
      return [...hist.buckets.values()].map((b) => ({ sec: b.sec, total: b.total, firstSeq: b.firstSeq }))
        .sort((a, b) => a.sec - b.sec);
    },
    // the histogram as drawn: the window's last second, the axis ticks, and
    // per second its bar's x (centre, CSS px from the canvas' left) and height
    histDrawn() {
      let peak = 0;
      const n = hist.bars();
      for (let i = 0; i < n; i++) peak = Math.max(peak, hist.buckets.get(hist.endSec - i)?.total || 0);
      const bars = {};
      for (const b of hist.buckets.values()) {
        if (b.sec > hist.endSec - n && b.sec <= hist.endSec) bars[b.sec] = { x: hist.xOf(b.sec) + hist.barW / 2, h: hist.height(b.total, peak) };
      }
      return { endSec: hist.endSec, ticks: hist.ticks, bars };
    },
    histTip(sec) { const b = hist.buckets.get(sec); return b ? hist.describe(b) : ''; },
    permalink(cursor) { const s = bySeq.get(cursor); return s === undefined ? '' : permalink(s); },
    // the history view (history.js): the range in force and its last
    // end, histogram and progress messages
    history: {
      get range() { return { ...view.range, where: [...view.range.where] }; },
      get ended() { return hv.ended; },
      get histogram() { return hv.hist; },
      get progress() { return hv.progress; },
    },
  };
}
