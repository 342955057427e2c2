// Ring: a fixed-capacity buffer of rows (entries and markers) with a pixel
// height per row. Memory is bounded by the capacity: pushing into a full ring
// evicts the oldest row.
//
// Rows are numbered by a monotonic sequence number (seq). The ring holds seq
// in [head, tail). Heights live in a Fenwick tree indexed by slot
// (seq % capacity), so the offset of a row, the row at a pixel offset and a
// height change are all O(log capacity) whatever the ring holds. That is
// what lets the view render only the visible rows of 100,000+ without ever
// walking the whole buffer.

export class Ring {
  constructor(capacity) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`ring capacity ${capacity}`);
    this.cap = capacity;
    this.items = new Array(capacity);
    this.heights = new Float64Array(capacity);
    this.tree = new Float64Array(capacity + 1); // Fenwick, 1-based
    this.head = 0; // oldest seq held
    this.tail = 0; // next seq to assign
    this.total = 0; // sum of heights held
    // base is the height of every row evicted so far (at its height when
    // evicted), so base + offset(seq) is a position that stays put while
    // rows leave the head: the view keeps row elements where they are.
    this.base = 0;
    this.mask = 1;
    while (this.mask * 2 <= capacity) this.mask *= 2;
  }

  get size() { return this.tail - this.head; }

  has(seq) { return seq >= this.head && seq < this.tail; }

  get(seq) { return this.has(seq) ? this.items[seq % this.cap] : undefined; }

  // push appends item with height h and returns [seq, evicted item or undefined].
  push(item, h) {
    let evicted;
    if (this.size === this.cap) {
      evicted = this.items[this.head % this.cap];
      this.base += this.heights[this.head % this.cap];
      this.setHeightSlot(this.head % this.cap, 0);
      this.items[this.head % this.cap] = undefined;
      this.head++;
    }
    const seq = this.tail++;
    const slot = seq % this.cap;
    this.items[slot] = item;
    this.setHeightSlot(slot, h);
    return [seq, evicted];
  }

  height(seq) { return this.has(seq) ? this.heights[seq % this.cap] : 0; }

  setHeight(seq, h) {
    if (this.has(seq)) this.setHeightSlot(seq % this.cap, h);
  }

  setHeightSlot(slot, h) {
    const d = h - this.heights[slot];
    if (d === 0) return;
    this.heights[slot] = h;
    this.total += d;
    for (let i = slot + 1; i <= this.cap; i += i & -i) this.tree[i] += d;
  }

  // prefix is the sum of heights in slots [0, slot).
  prefix(slot) {
    let s = 0;
    for (let i = slot; i > 0; i -= i & -i) s += this.tree[i];
    return s;
  }

  // offset is the pixel offset of row seq from the top of the oldest row.
  offset(seq) {
    if (seq <= this.head) return 0;
    if (seq >= this.tail) return this.total;
    const hs = this.head % this.cap, ss = seq % this.cap;
    const d = this.prefix(ss) - this.prefix(hs);
    return ss >= hs ? d : this.total + d;
  }

  // at returns the seq of the row covering pixel offset y (clamped to the
  // visible rows held), or -1 when the ring is empty.
  at(y) {
    if (this.size === 0) return -1;
    if (this.total <= 0) return this.head;
    // Clamp into the visible rows: a hidden (height 0) row is never returned.
    if (y < 0) y = 0;
    if (y >= this.total) y = this.total - 0.5;
    const hs = this.head % this.cap;
    let v = this.prefix(hs) + y;
    if (v >= this.total) v -= this.total;
    // Fenwick lower bound: the largest pos with prefix(pos) <= v.
    let pos = 0;
    for (let step = this.mask; step > 0; step >>= 1) {
      const n = pos + step;
      if (n <= this.cap && this.tree[n] <= v) { pos = n; v -= this.tree[n]; }
    }
    const slot = Math.min(pos, this.cap - 1); // pos is the 0-based slot
    const seq = slot >= hs ? this.head + (slot - hs) : this.head + (this.cap - hs) + slot;
    return Math.min(Math.max(seq, this.head), this.tail - 1);
  }

  // forEach visits the rows held, oldest first.
  forEach(fn) {
    for (let s = this.head; s < this.tail; s++) fn(this.items[s % this.cap], s);
  }

  clear() {
    this.items = new Array(this.cap);
    this.heights.fill(0);
    this.tree.fill(0);
    this.head = this.tail;
    this.base += this.total;
    this.total = 0;
  }
}
