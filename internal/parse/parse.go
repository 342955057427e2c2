package parse

import (
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/tailcast/tailcast/proto/logpb"
)

// Into fills e's TimeUnixNano, Level, Message and Fields from line,
// replacing what they held. It does not touch Raw, Source, FileId, Offset
// or the other collector fields; Service and Host are set only by a JSON or
// logfmt key naming them (see the package doc) and only when empty.
//
// line may be several physical lines joined with "\n" (a stack trace): the
// format is recognised from the first line and the rest stays in Message.
// Message, field keys and field values are always valid UTF-8 (invalid
// bytes become U+FFFD). The Field structs e.Fields points to are reused, so
// a caller that parses into the same entry again must not keep them.
func Into(e *logpb.LogEntry, line []byte) { into(e, line, false) }

// IntoNoCopy is Into without the copy of line: when line is valid UTF-8,
// Message and field values alias it and stay valid only while line is not
// changed. The consumer, whose record values nobody writes to once
// fetched, saves an allocation per record with it.
func IntoNoCopy(e *logpb.LogEntry, line []byte) { into(e, line, true) }

func into(e *logpb.LogEntry, line []byte, alias bool) {
	e.TimeUnixNano = 0
	e.Level = logpb.Level_LEVEL_UNKNOWN
	e.Message = ""
	e.Fields = e.Fields[:0]

	// One string holds the whole line; Message and field values are
	// substrings of it, so a plain line costs a single allocation.
	var s string
	switch {
	case alias && len(line) > 0 && utf8.Valid(line):
		s = unsafe.String(&line[0], len(line))
	case utf8.Valid(line):
		s = string(line)
	default:
		s = strings.ToValidUTF8(string(line), "\uFFFD")
	}
	s = trimRight(s)
	head := s
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		head = trimRight(s[:i])
	}

	p := parser{e: e, s: s, head: head}
	switch {
	case head == "":
		e.Message = s
	case head[0] == '{' && p.json():
	case looksLogfmt(head) && p.logfmt():
	case p.plain():
	default:
		// Unknown format; undo what a scanner may have set before failing.
		e.TimeUnixNano, e.Level, e.Message = 0, logpb.Level_LEVEL_UNKNOWN, s
		p.nkv, p.extra = 0, nil
	}
	p.flushFields()
}

// parser carries one Into call's state. Fields collect in a fixed array so
// that a line's fields cost one allocation (the structs and the slice of
// pointers together, fieldBlock) for up to 16 fields.
type parser struct {
	e    *logpb.LogEntry
	s    string // whole input, valid UTF-8, right-trimmed
	head string // first line of s

	kv    [16]kv
	nkv   int
	extra []kv // fields beyond len(kv)
}

type kv struct {
	key, value string
	json       bool
}

func (p *parser) field(key, value string, json bool) {
	if p.nkv < len(p.kv) {
		p.kv[p.nkv] = kv{key, value, json}
		p.nkv++
		return
	}
	p.extra = append(p.extra, kv{key, value, json})
}

func (p *parser) flushFields() {
	n := p.nkv + len(p.extra)
	if n == 0 {
		return
	}
	// Reuse the Field structs of an entry parsed into before; a new entry
	// gets its pointers and structs in one allocation (fieldBlock).
	ptrs := p.e.Fields[:cap(p.e.Fields)]
	if len(ptrs) < n {
		if len(ptrs) == 0 {
			ptrs = fieldBlock(n)
		} else {
			ptrs = append(make([]*logpb.Field, 0, n), ptrs...)[:n]
		}
	}
	ptrs = ptrs[:n]
	var slab []logpb.Field
	for i := range n {
		f := ptrs[i]
		if f == nil {
			if len(slab) == 0 { // the first new one: room for every one after it
				slab = make([]logpb.Field, n-i)
			}
			f = &slab[0]
			slab = slab[1:]
		}
		var x kv
		if i < p.nkv {
			x = p.kv[i]
		} else {
			x = p.extra[i-p.nkv]
		}
		f.Key, f.Value, f.Json = x.key, x.value, x.json
		ptrs[i] = f
	}
	p.e.Fields = ptrs
}

// fieldBlock returns at least n pointers to Field structs allocated with
// them, in one allocation (a line has a handful of fields; one allocation
// rather than two saves a tenth of the consumer's). Sizes step finely, as
// a Field is 80 bytes. More than 16 fields get the pointers alone;
// flushFields allocates their structs.
func fieldBlock(n int) []*logpb.Field {
	switch {
	case n <= 1:
		b := new(struct {
			p [1]*logpb.Field
			f [1]logpb.Field
		})
		return linkFields(b.p[:], b.f[:])
	case n <= 2:
		b := new(struct {
			p [2]*logpb.Field
			f [2]logpb.Field
		})
		return linkFields(b.p[:], b.f[:])
	case n <= 3:
		b := new(struct {
			p [3]*logpb.Field
			f [3]logpb.Field
		})
		return linkFields(b.p[:], b.f[:])
	case n <= 4:
		b := new(struct {
			p [4]*logpb.Field
			f [4]logpb.Field
		})
		return linkFields(b.p[:], b.f[:])
	case n <= 6:
		b := new(struct {
			p [6]*logpb.Field
			f [6]logpb.Field
		})
		return linkFields(b.p[:], b.f[:])
	case n <= 8:
		b := new(struct {
			p [8]*logpb.Field
			f [8]logpb.Field
		})
		return linkFields(b.p[:], b.f[:])
	case n <= 12:
		b := new(struct {
			p [12]*logpb.Field
			f [12]logpb.Field
		})
		return linkFields(b.p[:], b.f[:])
	case n <= 16:
		b := new(struct {
			p [16]*logpb.Field
			f [16]logpb.Field
		})
		return linkFields(b.p[:], b.f[:])
	}
	return make([]*logpb.Field, n)
}

func linkFields(p []*logpb.Field, f []logpb.Field) []*logpb.Field {
	for i := range p {
		p[i] = &f[i]
	}
	return p
}

// rest sets Message to the input from i on (which may span lines), with
// leading blanks removed.
func (p *parser) rest(i int) {
	p.e.Message = trimLeft(p.s[i:])
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

func trimRight(s string) string {
	for len(s) > 0 && isSpace(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	return s
}

func trimLeft(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	return s
}

// skipBlanks returns the index of the first byte at or after i that is not
// a space or tab.
func skipBlanks(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	return i
}

// token returns the end of the run of non-blank bytes starting at i.
func token(s string, i int) int {
	for i < len(s) && s[i] != ' ' && s[i] != '\t' {
		i++
	}
	return i
}

func isLetter(c byte) bool { return (c|0x20) >= 'a' && (c|0x20) <= 'z' }
