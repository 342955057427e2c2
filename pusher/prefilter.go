package pusher

import (
	"bytes"
	"strings"
)

// prefilter rules out, on a record's raw bytes and before it is parsed,
// the lines a filter's q cannot match: a range scan parses only the rest.
//
// q matches when it is in the entry's lowercased text: its message and
// field values (partState.lowerText), joined with NUL. Parsing takes the
// message and each field value from the record's value (or, for labels,
// from a label header's value) as they are, except where it
//   - unescapes (JSON strings, quoted logfmt values): a backslash in the
//     raw bytes;
//   - replaces invalid UTF-8 or lowercases beyond ASCII (the Kelvin sign
//     lowers to 'k'): a byte of 0x80 or more;
//   - joins a message with its stack trace by '\n', or pieces of the text
//     with NUL: q with a control character;
//   - re-serializes a JSON value compactly, dropping the blanks between
//     its tokens: a '{' in the raw bytes while q holds one of `",:[]{}`.
//
// Outside those cases every piece of the entry's text is a substring of
// the raw bytes and q, without control characters, lies inside one piece,
// so q absent from the ASCII-lowercased raw bytes proves q absent from the
// entry's text. In those cases the record is parsed, as without a
// prefilter. A prefilter holds scratch space: one per goroutine.
type prefilter struct {
	q      []byte // the filter's q, lowercased ASCII
	qJSON  bool   // q holds a character compact JSON may have lost blanks beside
	buf    []byte
	labels [][]byte
}

// newPrefilter returns f's prefilter, or nil when f has no q it can
// decide on.
func newPrefilter(f *filter) *prefilter {
	q := f.q
	if q == "" {
		return nil
	}
	for i := 0; i < len(q); i++ {
		if c := q[i]; c < 0x20 || c >= 0x7f {
			return nil
		}
	}
	return &prefilter{q: []byte(q), qJSON: strings.ContainsAny(q, `",:[]{}`)}
}

// keep reports whether a record with this value and these label header
// values may match: false only when it provably cannot.
func (p *prefilter) keep(value []byte, labels [][]byte) bool {
	if p.maybe(value) {
		return true
	}
	for _, l := range labels {
		if p.maybe(l) {
			return true
		}
	}
	return false
}

// maybe reports whether b may hold q after parsing.
func (p *prefilter) maybe(b []byte) bool {
	if len(b) < len(p.q) {
		return !plain(b, p.qJSON) // too short to hold q as it is
	}
	p.buf = p.buf[:0]
	for _, c := range b {
		if c >= 0x80 || c == '\\' || c == '{' && p.qJSON {
			return true
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		p.buf = append(p.buf, c)
	}
	return bytes.Contains(p.buf, p.q)
}

// plain reports whether b is parsed into text that is a substring of b
// (see prefilter).
func plain(b []byte, qJSON bool) bool {
	for _, c := range b {
		if c >= 0x80 || c == '\\' || c == '{' && qJSON {
			return false
		}
	}
	return true
}
