// Markers: the stream's rows that are not entries (a gap Kafka reported,
// entries the server dropped for a slow viewer, a refused filter, a note
// such as a filter change or a reconnect). They live in the ring beside
// the entries (k: 1). Pure functions over the ring: node's tests run them.

import { fmtInt } from './format.js';

export function droppedText(n) {
  return `dropped: the server skipped ${fmtInt(n)} entries because this viewer read too slowly`;
}

// marker is the ring item of a marker of kind.
export function marker(kind, text, extra = {}) {
  if (kind === 'dropped') text = droppedText(extra.count);
  return { k: 1, kind, text, open: false, hidden: false, ...extra };
}

// growDropped adds n to the dropped marker last in the ring, when no entry
// came after it, so that a viewer that stays slow gets one growing count,
// not a screenful of markers. It reports whether it did; when not, the
// caller adds marker('dropped', '', { count: n, v: 0 }).
export function growDropped(ring, n) {
  const last = ring.get(ring.tail - 1);
  if (!last || last.k !== 1 || last.kind !== 'dropped') return false;
  last.count += n;
  last.v++; // the row is painted again
  last.text = droppedText(last.count);
  return true;
}
