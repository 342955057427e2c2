// The rows held: entries and markers go into the bounded ring (ring.js) in
// the order they come, each entry once (by cursor: a resumed or replayed
// stream may repeat one), hidden while the filter in the browser hides it.
// The rate histogram and the permalink target see every entry.

import { entryItem, heightOf } from './rows.js';
import { marker, growDropped } from './markers.js';
import { visible } from './filters.js';

export class Feed {
  // ring, scroller and hist are the view's; view holds the filter in force
  // (filter, match) and the permalink target (target); bySeq maps cursor to
  // seq, for de-duplication and permalinks; stats counts received and
  // duplicates; target is the TargetWatch (target.js).
  constructor({ ring, bySeq, view, stats, hist, scroller, target }) {
    Object.assign(this, { ring, bySeq, view, stats, hist, scroller, target });
  }

  entry(o) {
    const { stats, bySeq, view } = this;
    stats.received++;
    if (bySeq.has(o.cursor)) { stats.duplicates++; return; }
    const item = entryItem(o);
    item.hidden = !this.visible(item);
    const seq = this.push(item);
    bySeq.set(o.cursor, seq);
    const ms = Date.parse(item.ts);
    this.hist.add(item.level, seq, Number.isNaN(ms) ? Date.now() : ms);
    if (view.target) this.target.entry(seq, item);
    this.scroller.schedule();
  }

  marker(kind, text, extra) {
    const seq = this.push(marker(kind, text, extra));
    this.target.marker(kind, seq);
    this.scroller.schedule();
  }

  // dropped grows the dropped marker just before, when no entry came in
  // between, or adds one (markers.js).
  dropped(n) {
    if (growDropped(this.ring, n)) this.scroller.schedule();
    else this.marker('dropped', '', { count: n, v: 0 });
  }

  push(item) {
    const [seq, evicted] = this.ring.push(item, heightOf(item));
    if (evicted && evicted.k === 0) this.bySeq.delete(evicted.cursor);
    if (!item.hidden) this.scroller.added();
    return seq;
  }

  // visible is the current filter applied in the browser, to rows that
  // arrived under an earlier filter (the server applies it to everything
  // after).
  visible(item) {
    return visible(item, this.view.filter, this.view.match);
  }

  // clear drops every row, as a fresh load starts.
  clear() {
    this.ring.clear();
    this.bySeq.clear();
    this.hist.clear();
    this.target.reset();
    this.scroller.reset();
  }

  // refilter re-applies the filter to the rows held: a hidden row has height
  // 0, so the ring skips it without a second index.
  refilter() {
    const { ring, view } = this;
    ring.forEach((item, seq) => {
      const h = !this.visible(item);
      if (h !== item.hidden) { item.hidden = h; ring.setHeight(seq, heightOf(item)); }
    });
    view.gen++;
    this.scroller.schedule(true);
  }
}
