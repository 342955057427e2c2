// The view's place in time: live, or a range query (docs/protocol.md, "Time
// ranges"), and the moves between them the history controls (history.js)
// and the rows ask for: another range or where list, a jump to a time, the
// end of a range, "go live from here".
//
// The range itself stays in app.js's view (the URL and the test hooks read
// it there); a Timeline changes it and restarts what a new query needs. Its
// collaborators are passed in, so node's tests drive it with fakes.

import { emptyRange, addWhere, whereFor } from './range.js';
import { fmtInt } from './format.js';

// nearestAfter is the seq of the loaded entry whose time is the nearest at
// or after ms, or -1 when none is. Entries come in each partition's order,
// which is nearly, not exactly, time order, so every one is looked at.
export function nearestAfter(ring, ms) {
  let found = -1;
  let best = Infinity;
  ring.forEach((it, seq) => {
    if (it.k !== 0 || it.hidden) return;
    const t = Date.parse(it.ts);
    if (t >= ms && t < best) { best = t; found = seq; }
  });
  return found;
}

// liveRange is live with r's where filters: what follows a range.
export function liveRange(r) {
  return { ...emptyRange(), where: r.where };
}

// endText is the marker for the end message o of a range.
export function endText(o) {
  const sent = o.sent | 0;
  return sent === 0 ? 'no entries in this range' : `end of range: ${fmtInt(sent)} entries`;
}

export class Timeline {
  // view holds range and rangeEnded (and the permalink target, which a new
  // query drops). controls is the history controls (show). conn, ring and
  // scroller are the view's; refill starts the rows over, syncURL writes the
  // address bar, addMarker(kind, text) adds a marker row.
  constructor({ view, controls, conn, ring, scroller, refill, syncURL, addMarker }) {
    Object.assign(this, { view, controls, conn, ring, scroller, refill, syncURL, addMarker });
  }

  // setRange starts a new query for range r (a range, or live with its
  // where filters): the view starts over.
  setRange(r) {
    const { view, conn } = this;
    view.range = r;
    view.rangeEnded = false;
    view.since = '';
    view.target = ''; view.targetPending = false; view.targetSeq = -1;
    conn.stop();
    conn.lastCursor = '';
    this.refill();
    this.controls.show(r);
    this.syncURL();
    conn.start();
  }

  // ended takes the end message of a range: with to, the range is all
  // there is; without, live follows.
  ended(o) {
    this.view.rangeEnded = true;
    if (this.view.range.to) this.conn.stop();
    this.addMarker('info', endText(o));
  }

  // goLive continues the range live from its last entry: since= its cursor
  // resumes exactly, with no gap and no duplicate.
  goLive() {
    const { view } = this;
    view.range = liveRange(view.range);
    view.rangeEnded = true;
    this.controls.show(view.range);
    this.syncURL();
    this.addMarker('info', 'live from here');
    this.conn.stop();
    this.conn.start();
    this.scroller.follow();
  }

  // jumpTo shows the loaded entry nearest after ms, or, when none is loaded
  // (the range's limit left that part out), asks for the range from there.
  jumpTo(ms) {
    const seq = nearestAfter(this.ring, ms);
    if (seq >= 0) { this.scroller.show(seq, 0); return; }
    this.setRange({ ...this.view.range, from: new Date(ms).toISOString() });
  }

  // addFieldFilter adds "key = value" (or "!=") to the where filters.
  addFieldFilter(key, value, negate) {
    this.setRange(addWhere(this.view.range, whereFor(key, value, negate)));
  }
}
