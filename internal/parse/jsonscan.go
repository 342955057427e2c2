package parse

import (
	"bytes"
	"encoding/json"
	"strings"
	"unicode/utf8"
)

// scanner is a hand-written JSON reader for one top-level object: it
// collects the object's members into the parser and validates nested values
// without building them.
type scanner struct {
	s string
	i int
}

func (sc *scanner) ws() {
	for sc.i < len(sc.s) {
		switch sc.s[sc.i] {
		case ' ', '\t', '\r', '\n':
			sc.i++
		default:
			return
		}
	}
}

// object reads an object's members into p; prefix is the member name of
// an object being flattened ("log" for "log":{..}), "" at the top.
func (sc *scanner) object(p *parser, prefix string) bool {
	sc.ws()
	if sc.i >= len(sc.s) || sc.s[sc.i] != '{' {
		return false
	}
	sc.i++
	sc.ws()
	if sc.i < len(sc.s) && sc.s[sc.i] == '}' {
		sc.i++
		return true
	}
	for {
		sc.ws()
		key, ok := sc.str()
		if !ok {
			return false
		}
		sc.ws()
		if sc.i >= len(sc.s) || sc.s[sc.i] != ':' {
			return false
		}
		sc.i++
		sc.ws()
		if sc.i >= len(sc.s) {
			return false
		}
		if prefix != "" {
			key = dottedKey(prefix, key)
		}
		if sc.s[sc.i] == '"' {
			v, ok := sc.str()
			if !ok {
				return false
			}
			p.field(key, v, false)
		} else if sc.s[sc.i] == '{' && prefix == "" && flattened(key) {
			if !sc.object(p, key) {
				return false
			}
		} else {
			start := sc.i
			spaced, ok := sc.skipValue()
			if !ok {
				return false
			}
			raw := sc.s[start:sc.i]
			if spaced {
				var b bytes.Buffer
				if json.Compact(&b, []byte(raw)) != nil {
					return false
				}
				raw = b.String()
			}
			p.field(key, raw, true)
		}
		sc.ws()
		if sc.i >= len(sc.s) {
			return false
		}
		switch sc.s[sc.i] {
		case ',':
			sc.i++
		case '}':
			sc.i++
			return true
		default:
			return false
		}
	}
}

// str reads a JSON string at sc.i and returns its unescaped value, a
// substring of the input when it has no escapes. Raw control characters
// are tolerated. Lone surrogates become U+FFFD, as encoding/json does.
func (sc *scanner) str() (string, bool) {
	s := sc.s
	if sc.i >= len(s) || s[sc.i] != '"' {
		return "", false
	}
	start := sc.i + 1
	i := start
	for i < len(s) && s[i] != '"' && s[i] != '\\' {
		i++
	}
	if i >= len(s) {
		return "", false
	}
	if s[i] == '"' {
		sc.i = i + 1
		return s[start:i], true
	}
	b := make([]byte, 0, i-start+16)
	b = append(b, s[start:i]...)
	for i < len(s) {
		c := s[i]
		switch {
		case c == '"':
			sc.i = i + 1
			return string(b), true
		case c != '\\':
			b = append(b, c)
			i++
			continue
		}
		if i+1 >= len(s) {
			return "", false
		}
		switch s[i+1] {
		case '"', '\\', '/':
			b = append(b, s[i+1])
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			r, ok := hex4(s, i+2)
			if !ok {
				return "", false
			}
			i += 6
			if r >= 0xD800 && r < 0xDC00 {
				if r2, ok := hex4(s, i+2); ok && i+1 < len(s) && s[i] == '\\' && s[i+1] == 'u' && r2 >= 0xDC00 && r2 < 0xE000 {
					r = (r-0xD800)<<10 | (r2 - 0xDC00) + 0x10000
					i += 6
				} else {
					r = utf8.RuneError
				}
			} else if r >= 0xDC00 && r < 0xE000 {
				r = utf8.RuneError
			}
			b = utf8.AppendRune(b, r)
			continue
		default:
			return "", false
		}
		i += 2
	}
	return "", false
}

func hex4(s string, i int) (rune, bool) {
	if i+4 > len(s) {
		return 0, false
	}
	var r rune
	for _, c := range []byte(s[i : i+4]) {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

// skipValue validates the non-string JSON value at sc.i and moves past it.
// spaced reports whitespace inside it (outside strings), which the caller
// compacts away. Nesting is tracked with a stack, not recursion, so deep
// input cannot overflow the goroutine stack.
func (sc *scanner) skipValue() (spaced bool, ok bool) {
	var stackArr [32]byte
	stack := stackArr[:0] // '{' or '['
	for {
		// A value is expected at sc.i.
		if sc.i >= len(sc.s) {
			return false, false
		}
		switch c := sc.s[sc.i]; {
		case c == '"':
			if _, ok := sc.str(); !ok {
				return false, false
			}
		case c == '{' || c == '[':
			sc.i++
			j := sc.i
			sc.ws()
			spaced = spaced || sc.i > j
			if sc.i < len(sc.s) && sc.s[sc.i] == c+2 { // '}' or ']'
				sc.i++
				break
			}
			stack = append(stack, c)
			if c == '{' && !sc.memberKey(&spaced) {
				return false, false
			}
			continue
		case c == '-' || isDigit(c):
			if !sc.number() {
				return false, false
			}
		case strings.HasPrefix(sc.s[sc.i:], "true"):
			sc.i += 4
		case strings.HasPrefix(sc.s[sc.i:], "false"):
			sc.i += 5
		case strings.HasPrefix(sc.s[sc.i:], "null"):
			sc.i += 4
		default:
			return false, false
		}
		// After a value: close containers or move to the next element.
		for {
			if len(stack) == 0 {
				return spaced, true
			}
			j := sc.i
			sc.ws()
			spaced = spaced || sc.i > j
			if sc.i >= len(sc.s) {
				return false, false
			}
			top := stack[len(stack)-1]
			c := sc.s[sc.i]
			if c == top+2 {
				sc.i++
				stack = stack[:len(stack)-1]
				continue
			}
			if c != ',' {
				return false, false
			}
			sc.i++
			if top == '{' {
				if !sc.memberKey(&spaced) {
					return false, false
				}
			} else {
				j := sc.i
				sc.ws()
				spaced = spaced || sc.i > j
			}
			break
		}
	}
}

// memberKey reads `"key":` inside a nested object, leaving sc.i at the
// value.
func (sc *scanner) memberKey(spaced *bool) bool {
	j := sc.i
	sc.ws()
	if _, ok := sc.str(); !ok {
		return false
	}
	sc.ws()
	if sc.i >= len(sc.s) || sc.s[sc.i] != ':' {
		return false
	}
	sc.i++
	sc.ws()
	// Any whitespace around the key means the value needs compacting.
	if sc.i-j > 0 && strings.ContainsAny(sc.s[j:sc.i], " \t\r\n") {
		*spaced = true
	}
	return true
}

// number validates a JSON number at sc.i.
func (sc *scanner) number() bool {
	s, i := sc.s, sc.i
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	default:
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if i >= len(s) || !isDigit(s[i]) {
			return false
		}
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if i >= len(s) || !isDigit(s[i]) {
			return false
		}
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	}
	sc.i = i
	return true
}
