package pusher

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"slices"
)

// Cursor wire format: base64url (no padding) of a version byte (1), then
// uvarint count, then per partition in ascending order uvarint partition and
// uvarint offset+1 (offset -1, "nothing yet", encodes as 0).
const cursorVersion = 1

// maxCursorParts bounds decoding work on hostile input.
const maxCursorParts = 65536

// vecEntry is one partition position of a cursor.
type vecEntry struct {
	part int32
	off  int64
}

// appendCursor appends the base64url form of v, which must be sorted by
// partition. tmp is scratch space to avoid allocating.
func appendCursor(b []byte, tmp []byte, v []vecEntry) ([]byte, []byte) {
	tmp = append(tmp[:0], cursorVersion)
	tmp = binary.AppendUvarint(tmp, uint64(len(v)))
	for _, e := range v {
		tmp = binary.AppendUvarint(tmp, uint64(e.part))
		tmp = binary.AppendUvarint(tmp, uint64(e.off+1))
	}
	return base64.RawURLEncoding.AppendEncode(b, tmp), tmp
}

// decodeCursor parses a cursor into a sorted vector.
func decodeCursor(s string) ([]vecEntry, error) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(raw) == 0 {
		return nil, ErrBadCursor
	}
	if raw[0] != cursorVersion {
		return nil, fmt.Errorf("%w: unknown version %d", ErrBadCursor, raw[0])
	}
	raw = raw[1:]
	n, k := binary.Uvarint(raw)
	if k <= 0 || n > maxCursorParts || n > uint64(len(raw)) {
		return nil, ErrBadCursor
	}
	raw = raw[k:]
	v := make([]vecEntry, 0, n)
	for i := uint64(0); i < n; i++ {
		p, k := binary.Uvarint(raw)
		if k <= 0 || p > 1<<31-1 {
			return nil, ErrBadCursor
		}
		raw = raw[k:]
		o, k := binary.Uvarint(raw)
		if k <= 0 || o > 1<<63-1 {
			return nil, ErrBadCursor
		}
		raw = raw[k:]
		if len(v) > 0 && int32(p) <= v[len(v)-1].part {
			return nil, fmt.Errorf("%w: partitions not ascending", ErrBadCursor)
		}
		v = append(v, vecEntry{part: int32(p), off: int64(o) - 1})
	}
	if len(raw) != 0 {
		return nil, fmt.Errorf("%w: trailing bytes", ErrBadCursor)
	}
	return v, nil
}

// vecGet returns the offset of part in the sorted vector v.
func vecGet(v []vecEntry, part int32) (int64, bool) {
	i, ok := slices.BinarySearchFunc(v, part, func(e vecEntry, p int32) int { return int(e.part) - int(p) })
	if !ok {
		return 0, false
	}
	return v[i].off, true
}

// vecSet sets part to off in the sorted vector v.
func vecSet(v []vecEntry, part int32, off int64) []vecEntry {
	i, ok := slices.BinarySearchFunc(v, part, func(e vecEntry, p int32) int { return int(e.part) - int(p) })
	if ok {
		v[i].off = off
		return v
	}
	return slices.Insert(v, i, vecEntry{part: part, off: off})
}

// vecMax raises every position of dst to at least that of src; it reports
// whether dst changed.
func vecMax(dst []vecEntry, src []vecEntry) ([]vecEntry, bool) {
	changed := false
	for _, e := range src {
		if o, ok := vecGet(dst, e.part); !ok || o < e.off {
			dst = vecSet(dst, e.part, e.off)
			changed = true
		}
	}
	return dst, changed
}
