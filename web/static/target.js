// The permalink target: a link opens paused on its line (permalink.js).
// The server replays from the link's since, so the linked line comes among
// the first entries. When the replay is over (nothing more for
// TARGET_IDLE_MS) or TARGET_GIVE_UP_MS went by without it, the line is no
// longer held (Kafka retention, or the server's memory for a link without
// since): the viewer says so and shows the nearest line after it, instead
// of waiting for ever. givenUp and goneText decide; a TargetWatch applies
// them to the view.

import { heightOf } from './rows.js';

export const TARGET_IDLE_MS = 1500;
export const TARGET_GIVE_UP_MS = 8000;

// WATCH_MS is how often a TargetWatch asks givenUp while it waits.
export const WATCH_MS = 250;

// givenUp reports whether to stop waiting for the linked line at now
// (performance.now() times): lastEntryAt is when the last entry came (0:
// none yet), helloAt when the connection said hello.
export function givenUp({ now, lastEntryAt, helloAt }) {
  const idle = lastEntryAt ? now - lastEntryAt : now - helloAt;
  return !(idle < TARGET_IDLE_MS && now - helloAt < TARGET_GIVE_UP_MS);
}

// goneText is the notice for a linked line that did not come: missed says
// whether Kafka reported a gap, nearest whether a line after it is shown.
export function goneText(missed, nearest) {
  const why = missed ? 'Kafka no longer has it' : 'the server no longer holds it';
  return nearest
    ? `The linked line is no longer available (${why}): showing from the nearest line after it.`
    : `The linked line is no longer available (${why}), nor anything after it: following live.`;
}

// TargetWatch waits for a permalink's line among the entries and shows it,
// or, once givenUp, the nearest line after it.
export class TargetWatch {
  // view holds target (the linked cursor, '' when none), targetPending and
  // targetSeq. ring and scroller are the view's; notice(text) sets the
  // notice line; missed() reports whether Kafka reported a gap. now is
  // performance.now, replaced by the tests.
  constructor({ view, ring, scroller, notice, missed, now = () => performance.now() }) {
    Object.assign(this, { view, ring, scroller, notice, missed, now });
    this.firstSeq = -1; // first entry received since the page opened
    this.lastEntryAt = 0;
    this.helloAt = 0;
    this.timer = 0;
  }

  // reset forgets the entries seen: the rows start over.
  reset() { this.firstSeq = -1; }

  // hello starts the wait, at the connection's first hello.
  hello() {
    this.helloAt = this.now();
    this.watch();
  }

  watch() {
    clearTimeout(this.timer);
    const { view, ring, scroller } = this;
    if (!view.targetPending) return;
    if (!givenUp({ now: this.now(), lastEntryAt: this.lastEntryAt, helloAt: this.helloAt })) {
      this.timer = setTimeout(() => this.watch(), WATCH_MS);
      return;
    }
    view.targetPending = false;
    const nearest = ring.has(this.firstSeq);
    this.notice(goneText(this.missed(), nearest));
    if (nearest) scroller.show(this.firstSeq, 0);
    else scroller.follow();
    scroller.schedule(true);
  }

  // entry takes the entry item just put at seq, while the view has a target.
  entry(seq, item) {
    const { view, ring, scroller } = this;
    this.lastEntryAt = this.now();
    if (this.firstSeq < 0) this.firstSeq = seq;
    if (item.cursor !== view.target || view.targetSeq >= 0) return;
    // Found, possibly after the viewer gave up on it (a slow replay): show
    // it unless the user has gone elsewhere since.
    const jump = view.targetPending || (!scroller.following && scroller.anchor.seq === this.firstSeq);
    view.targetPending = false;
    view.targetSeq = seq;
    item.hidden = false;
    ring.setHeight(seq, heightOf(item));
    this.notice('');
    if (jump) scroller.show(seq, -1); // -1: centre it on the next paint
  }

  // marker takes the marker of kind just put at seq.
  marker(kind, seq) {
    // A gap before the linked line explains where it went: show it first.
    if (this.view.targetPending && kind === 'gap' && this.firstSeq < 0) this.firstSeq = seq;
  }
}
