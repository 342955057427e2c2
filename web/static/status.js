// The status the toolbar and the page show: the connection's state in
// words, the counters, a notice above the stream and a passing toast.

import { fmtInt } from './format.js';

// stateText is the connection state's words (conn.js's onState). rangeDone:
// a range with an end has been loaded, so closed is done, not broken.
// It returns the state to show (data-state) and its text; for waiting, the
// text at now.
export function stateText(state, d, { rangeDone = false, now = Date.now() } = {}) {
  switch (state) {
    case 'connecting': return { state, text: d.attempt ? `connecting (attempt ${d.attempt + 1})…` : 'connecting…' };
    case 'locked': return { state, text: 'access token required' };
    case 'live': return { state, text: 'live', title: `${d.server || 'server'}, protocol ${d.version}` };
    case 'closed': return rangeDone ? { state: 'done', text: 'range loaded' } : { state, text: state };
    case 'waiting': {
      const s = Math.max(0, Math.ceil((d.until - now) / 1000));
      return { state, text: `${d.refused ? 'refused: ' + d.refused : d.reason || 'disconnected'} · retry in ${s}s` };
    }
    default: return { state, text: state };
  }
}

// countsText is the toolbar's counters: lines held of the cap, entries
// dropped and missed.
export function countsText(size, cap, stats) {
  let s = `${fmtInt(size)} / ${fmtInt(cap)} lines`;
  if (stats.droppedCount) s += ` · ${fmtInt(stats.droppedCount)} dropped`;
  if (stats.missed) s += ` · ${fmtInt(stats.missed)} missed`;
  return s;
}

// COUNTS_MS is how often, at most, the counters are written: they change
// with every line.
export const COUNTS_MS = 250;

// CountsThrottle calls show after paints, at most every ms, and never leaves
// out the last change: a paint that comes too soon schedules one call for
// when the time is up. now is performance.now, replaced by the tests.
export class CountsThrottle {
  constructor(show, { ms = COUNTS_MS, now = () => performance.now() } = {}) {
    this.show = show;
    this.ms = ms;
    this.now = now;
    this.lastAt = 0;
    this.timer = 0;
  }

  // painted takes a paint at frameTime; an urgent one shows at once.
  painted(urgent, frameTime) {
    if (urgent || frameTime - this.lastAt >= this.ms) {
      this.lastAt = frameTime;
      clearTimeout(this.timer); this.timer = 0;
      this.show();
    } else if (!this.timer) {
      this.timer = setTimeout(() => { this.timer = 0; this.lastAt = this.now(); this.show(); }, this.ms);
    }
  }
}

// Status writes the connection state (a waiting one counts down every
// second), the notice and the toast.
export class Status {
  constructor({ conn, connText, retry, notice, toast }) {
    this.els = { conn, connText, retry, notice, toast };
    this.stateTimer = 0;
    this.toastTimer = 0;
  }

  state(state, d, opts) {
    const els = this.els;
    clearInterval(this.stateTimer);
    els.retry.hidden = state !== 'waiting';
    const show = () => {
      const t = stateText(state, d, opts());
      els.conn.dataset.state = t.state;
      els.connText.textContent = t.text;
      if (t.title) els.conn.title = t.title;
    };
    show();
    if (state === 'waiting') this.stateTimer = setInterval(show, 1000);
  }

  notice(text) {
    this.els.notice.textContent = text;
    this.els.notice.hidden = !text;
  }

  toast(text) {
    const el = this.els.toast;
    el.textContent = text;
    el.hidden = false;
    clearTimeout(this.toastTimer);
    this.toastTimer = setTimeout(() => { el.hidden = true; }, 2500);
  }
}
