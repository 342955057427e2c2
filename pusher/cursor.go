package pusher

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"slices"
)

// Cursor wire format: base64url (no padding) of a version byte (2), then
// uvarint count, then per partition in ascending order uvarint partition and
// uvarint offset+1 (offset -1, "nothing yet", encodes as 0), then uvarint
// own+1: the partition of the entry the cursor belongs to (0: none, as for
// a cursor that belongs to no entry). A cursor names every partition, so
// without own a context query could not tell which of them holds the entry.
// Version 1 is the same without own; it still decodes, so that resuming with
// a cursor from before version 2 keeps working.
const (
	cursorVersion   = 2
	cursorVersionV1 = 1
)

// noPart is the own partition of a cursor that names none.
const noPart = -1

// maxCursorParts bounds decoding work on hostile input.
const maxCursorParts = 65536

// vecEntry is one partition position of a cursor.
type vecEntry struct {
	part int32
	off  int64
}

// appendCursor appends the base64url form of v, which must be sorted by
// partition, for an entry of partition own (noPart: none). tmp is scratch
// space to avoid allocating.
func appendCursor(b []byte, tmp []byte, v []vecEntry, own int32) ([]byte, []byte) {
	tmp = append(tmp[:0], cursorVersion)
	tmp = binary.AppendUvarint(tmp, uint64(len(v)))
	for _, e := range v {
		tmp = binary.AppendUvarint(tmp, uint64(e.part))
		tmp = binary.AppendUvarint(tmp, uint64(e.off+1))
	}
	tmp = binary.AppendUvarint(tmp, uint64(int64(own)+1))
	return base64.RawURLEncoding.AppendEncode(b, tmp), tmp
}

// decodeCursor parses a cursor into a sorted vector.
func decodeCursor(s string) ([]vecEntry, error) {
	v, _, err := decodeCursorOwn(s)
	return v, err
}

// decodeCursorOwn parses a cursor into a sorted vector and the partition of
// its entry, noPart when the cursor does not say (version 1, or no entry).
func decodeCursorOwn(s string) ([]vecEntry, int32, error) {
	v, own, err := decodeCursorRaw(s)
	if err == nil && own != noPart {
		if _, ok := vecGet(v, own); !ok {
			return nil, noPart, fmt.Errorf("%w: own partition %d not in the cursor", ErrBadCursor, own)
		}
	}
	return v, own, err
}

// decodeCursorRaw parses either version, without checking own.
func decodeCursorRaw(s string) ([]vecEntry, int32, error) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(raw) == 0 {
		return nil, noPart, ErrBadCursor
	}
	version := raw[0]
	if version != cursorVersion && version != cursorVersionV1 {
		return nil, noPart, fmt.Errorf("%w: unknown version %d", ErrBadCursor, raw[0])
	}
	raw = raw[1:]
	n, k := binary.Uvarint(raw)
	if k <= 0 || n > maxCursorParts || n > uint64(len(raw)) {
		return nil, noPart, ErrBadCursor
	}
	raw = raw[k:]
	v := make([]vecEntry, 0, n)
	for i := uint64(0); i < n; i++ {
		p, k := binary.Uvarint(raw)
		if k <= 0 || p > 1<<31-1 {
			return nil, noPart, ErrBadCursor
		}
		raw = raw[k:]
		o, k := binary.Uvarint(raw)
		if k <= 0 || o > 1<<63-1 {
			return nil, noPart, ErrBadCursor
		}
		raw = raw[k:]
		if len(v) > 0 && int32(p) <= v[len(v)-1].part {
			return nil, noPart, fmt.Errorf("%w: partitions not ascending", ErrBadCursor)
		}
		v = append(v, vecEntry{part: int32(p), off: int64(o) - 1})
	}
	own := int32(noPart)
	if version == cursorVersion {
		o, k := binary.Uvarint(raw)
		if k <= 0 || o > 1<<31 {
			return nil, noPart, ErrBadCursor
		}
		raw = raw[k:]
		own = int32(o - 1)
	}
	if len(raw) != 0 {
		return nil, noPart, fmt.Errorf("%w: trailing bytes", ErrBadCursor)
	}
	return v, own, nil
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
