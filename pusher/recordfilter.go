package pusher

import (
	"bytes"
	"strings"
	"unicode/utf8"
)

// recordFilter rules out, on a record's raw bytes and before it is parsed,
// the lines a filter cannot match: a range scan parses only the rest.
//
// Service and host: a record's non-empty service (host) header is its
// entry's service (host), as Decode reads it; the line fills them only
// when the header is absent or empty. So a filter's services (hosts)
// rule out a record whose header (the only one of its name), valid UTF-8
// and not empty, names none of them.
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
// prefilter. A recordFilter holds scratch space: one per goroutine.
type recordFilter struct {
	services, hosts []string // the filter's, sorted
	q               []byte   // the filter's q, lowercased ASCII; nil: none to decide on
	qJSON           bool     // q holds a character compact JSON may have lost blanks beside
	buf             []byte
}

// newRecordFilter returns f's recordFilter, or nil when it has nothing to
// decide on.
func newRecordFilter(f *filter) *recordFilter {
	p := &recordFilter{services: f.services, hosts: f.hosts}
	if q := f.q; q != "" && printableASCII(q) {
		p.q, p.qJSON = []byte(q), strings.ContainsAny(q, `",:[]{}`)
	}
	if p.q == nil && len(p.services) == 0 && len(p.hosts) == 0 {
		return nil
	}
	return p
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return false
		}
	}
	return true
}

// keep reports whether a record may match: false only when it provably
// cannot. value and labels are its value and label header values; service
// and host its headers' (nil when absent).
func (p *recordFilter) keep(value, service, host []byte, labels [][]byte) bool {
	if !named(p.services, service) || !named(p.hosts, host) {
		return false
	}
	if p.q == nil || p.maybe(value) {
		return true
	}
	for _, l := range labels {
		if p.maybe(l) {
			return true
		}
	}
	return false
}

// named reports whether a header value h may be one of names (all names
// when there are none): false only when h, not empty and valid UTF-8, is
// none of them.
func named(names []string, h []byte) bool {
	if len(names) == 0 || len(h) == 0 || !utf8.Valid(h) {
		return true
	}
	for _, n := range names {
		if n == string(h) {
			return true
		}
	}
	return false
}

// maybe reports whether b may hold q after parsing.
func (p *recordFilter) maybe(b []byte) bool {
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
// (see recordFilter).
func plain(b []byte, qJSON bool) bool {
	for _, c := range b {
		if c >= 0x80 || c == '\\' || c == '{' && qJSON {
			return false
		}
	}
	return true
}
