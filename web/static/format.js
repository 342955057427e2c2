// Formatting of times, counts and lines for display. Pure functions: the
// time zone is an argument, so they run the same under node's tests.

import { LEVELS } from './filters.js';

const pad = (n, w = 2) => String(n).padStart(w, '0');

// fmtTime is "MM-DD hh:mm:ss.mmm", or "hh:mm:ss.mmm" when short, in UTC or
// the local zone.
export function fmtTime(ms, { utc = false, short = false } = {}) {
  const d = new Date(ms);
  const [mo, da, h, mi, s, mss] = utc
    ? [d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds()]
    : [d.getMonth() + 1, d.getDate(), d.getHours(), d.getMinutes(), d.getSeconds(), d.getMilliseconds()];
  const t = `${pad(h)}:${pad(mi)}:${pad(s)}.${pad(mss, 3)}`;
  return short ? t : `${pad(mo)}-${pad(da)} ${t}`;
}

// fmtClock is "hh:mm:ss" (or "hh:mm" when the seconds are 0 and minutes is
// set), for axis labels.
export function fmtClock(ms, { utc = false, minutes = false } = {}) {
  const d = new Date(ms);
  const [h, mi, s] = utc ? [d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()] : [d.getHours(), d.getMinutes(), d.getSeconds()];
  return minutes && s === 0 ? `${pad(h)}:${pad(mi)}` : `${pad(h)}:${pad(mi)}:${pad(s)}`;
}

export function fmtDate(ms, { utc = false } = {}) {
  const d = new Date(ms);
  return utc ? `${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}` : `${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

const nf = new Intl.NumberFormat();
export function fmtInt(n) { return nf.format(n); }

// fit pads or cuts s to exactly n characters (columns line up in a monospace
// font).
export function fit(s, n) {
  return s.length > n ? s.slice(0, n - 1) + '…' : s.padEnd(n);
}

// nthIndex is the index of the nth ch in s, or s.length when there are fewer.
export function nthIndex(s, ch, n) {
  let i = -1;
  for (let k = 0; k < n; k++) { i = s.indexOf(ch, i + 1); if (i < 0) return s.length; }
  return i;
}

// histFormat is the rate histogram's tooltip and axis formats, in UTC or
// local time.
export function histFormat(utc) {
  return {
    fmtTip: (ms) => `${fmtDate(ms, { utc })} ${fmtClock(ms, { utc })}${utc ? ' UTC' : ''}`,
    fmtTick: (ms, minutes) => fmtClock(ms, { utc, minutes }),
  };
}

// asWritten is the entry's line as the service wrote it: line, or the
// bytes of line_bytes (not valid UTF-8; shown with U+FFFD where invalid),
// or msg, which the server sends alone when it is the line itself.
export function asWritten(item) {
  if (item.lineBytes) {
    const bin = atob(item.lineBytes);
    const b = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) b[i] = bin.charCodeAt(i);
    return new TextDecoder('utf-8').decode(b);
  }
  return item.line ?? item.msg;
}

