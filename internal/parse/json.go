package parse

import (
	"bytes"
	"encoding/json"
	"strings"
	"unicode/utf8"

	"github.com/tailcast/tailcast/proto/logpb"
)

// Roles of well-known keys in JSON and logfmt lines. A lower rank wins when
// a line has several keys for the same role; the losers stay in Fields.
// The names cover the JSON layouts services write straight to Kafka:
// logback and log4j2 (logstash-logback-encoder, JsonTemplateLayout,
// JsonLayout), ECS (dotted or nested), zap, zerolog, python-json-logger,
// Bunyan and pino.
const (
	roleNone = iota
	roleTime
	roleLevel
	roleMessage
	roleService
	roleStack // a stack trace: appended to Message as its multiline part
	roleHost
	nRoles
)

func keyRole(k string) (role, rank int) {
	switch k {
	case "time":
		return roleTime, 0
	case "ts":
		return roleTime, 1
	case "timestamp":
		return roleTime, 2
	case "@timestamp":
		return roleTime, 3
	case "asctime": // python-json-logger
		return roleTime, 4
	case "timeMillis": // log4j2 JsonLayout
		return roleTime, 5
	case "instant.epochSecond": // log4j2 JsonLayout; plus instant.nanoOfSecond
		return roleTime, 6
	case "level":
		return roleLevel, 0
	case "lvl":
		return roleLevel, 1
	case "severity":
		return roleLevel, 2
	case "log.level": // ECS
		return roleLevel, 3
	case "levelname": // python-json-logger
		return roleLevel, 4
	case "msg":
		return roleMessage, 0
	case "message":
		return roleMessage, 1
	case "log":
		return roleMessage, 2
	case "service":
		return roleService, 0
	case "service.name": // ECS
		return roleService, 1
	case "app":
		return roleService, 2
	case "stack_trace": // logstash-logback-encoder, log4j2 templates
		return roleStack, 0
	case "error.stack_trace": // ECS
		return roleStack, 1
	case "exc_info": // python-json-logger
		return roleStack, 2
	case "stacktrace": // zap
		return roleStack, 3
	case "err.stack": // pino, Bunyan
		return roleStack, 4
	case "thrown.extendedStackTrace": // log4j2 JsonLayout
		return roleStack, 5
	case "exception.stacktrace": // log4j2 LogstashJsonEventLayoutV1
		return roleStack, 6
	case "stack":
		return roleStack, 7
	case "hostname": // Bunyan, pino
		return roleHost, 0
	case "host.name": // ECS
		return roleHost, 1
	}
	return roleNone, 0
}

// flattened names the members whose object value is read as dotted keys
// ("log":{"level":..} as "log.level"): ECS's nested form, and the error
// objects of pino, Bunyan and log4j2. Other objects stay one JSON field.
func flattened(k string) bool {
	switch k {
	case "log", "service", "error", "err", "host", "thrown", "exception", "instant":
		return true
	}
	return false
}

// dotted holds the flattened keys the layouts write, so that naming a
// member of a flattened object costs no allocation.
var dotted = func() map[string]string {
	m := map[string]string{}
	for _, k := range []string{
		"log.level", "log.logger", "log.origin", "log.original",
		"service.name", "service.version", "service.environment", "service.node",
		"error.type", "error.message", "error.stack_trace", "error.code",
		"err.type", "err.message", "err.stack", "err.name", "err.code", "err.errno",
		"host.name", "host.hostname", "host.ip",
		"thrown.name", "thrown.message", "thrown.localizedMessage", "thrown.extendedStackTrace", "thrown.commonElementCount",
		"exception.exception_class", "exception.exception_message", "exception.stacktrace",
		"instant.epochSecond", "instant.nanoOfSecond",
	} {
		m[k] = k
	}
	return m
}()

// dottedKey is prefix + "." + key, without allocating for the known ones.
func dottedKey(prefix, key string) string {
	var buf [64]byte
	if len(prefix)+1+len(key) <= len(buf) {
		b := append(append(append(buf[:0], prefix...), '.'), key...)
		if k, ok := dotted[string(b)]; ok {
			return k
		}
	}
	return prefix + "." + key
}

// roles remembers, per role, which collected field (index into p's fields)
// fills it and the parsed time or level.
type roles struct {
	idx   [nRoles]int // field index + 1; 0: none
	rank  [nRoles]int
	nanos int // field index + 1 of log4j2's instant.nanoOfSecond, added to the time
	time  int64
	lvl   logpb.Level
}

// offer considers field i (key k, value v, quoted tells whether v was a
// string) for its role.
func (r *roles) offer(i int, k, v string, quoted bool, serviceSet, hostSet bool) {
	role, rank := keyRole(k)
	if role == roleNone || (r.idx[role] != 0 && r.rank[role] <= rank) {
		return
	}
	switch role {
	case roleTime:
		var t int64
		var ok bool
		if quoted {
			var n int
			if t, n, ok = iso(v); !ok || n != len(v) {
				t, ok = unixNumber(v)
			}
		} else {
			t, ok = unixNumber(v)
		}
		if !ok {
			return
		}
		r.time = t
	case roleLevel:
		var l logpb.Level
		var ok bool
		if quoted {
			l, ok = ParseLevel(v)
		}
		if !ok {
			l, ok = numericLevel(v)
		}
		if !ok {
			return
		}
		r.lvl = l
	case roleMessage, roleService, roleStack, roleHost:
		if !quoted || (role == roleService && serviceSet) || (role == roleHost && hostSet) || (role == roleStack && trimRight(v) == "") {
			return
		}
	}
	r.idx[role], r.rank[role] = i+1, rank
}

// apply moves the chosen fields into e and keeps the rest in p's fields,
// in order.
func (r *roles) apply(p *parser) {
	if i := r.idx[roleTime]; i != 0 {
		p.e.TimeUnixNano = r.time
		if p.kvAt(i-1).key == "instant.epochSecond" {
			r.addNanos(p)
		}
	}
	if r.idx[roleLevel] != 0 {
		p.e.Level = r.lvl
	}
	if i := r.idx[roleMessage]; i != 0 {
		// Docker's json-file driver keeps the line's newline in "log".
		p.e.Message = trimRight(p.kvAt(i - 1).value)
	}
	if i := r.idx[roleStack]; i != 0 {
		// The trace is the entry's multiline part, as if it followed the
		// line in the file.
		if st := trimRight(p.kvAt(i - 1).value); p.e.Message == "" {
			p.e.Message = st
		} else {
			p.e.Message = p.e.Message + "\n" + st
		}
	}
	if i := r.idx[roleService]; i != 0 {
		p.e.Service = p.kvAt(i - 1).value
	}
	if i := r.idx[roleHost]; i != 0 {
		p.e.Host = p.kvAt(i - 1).value
	}
	n := p.nkv + len(p.extra)
	w := 0
	for i := 0; i < n; i++ {
		if r.taken(i + 1) {
			continue
		}
		p.setKV(w, p.kvAt(i))
		w++
	}
	if w < p.nkv {
		p.nkv = w
		p.extra = p.extra[:0]
	} else {
		p.extra = p.extra[:w-p.nkv]
	}
}

// addNanos adds log4j2's instant.nanoOfSecond to the time read from
// instant.epochSecond.
func (r *roles) addNanos(p *parser) {
	for i := 0; i < p.nkv+len(p.extra); i++ {
		x := p.kvAt(i)
		if x.key != "instant.nanoOfSecond" || !x.json {
			continue
		}
		n, ok := 0, len(x.value) > 0 && len(x.value) <= 9
		for j := 0; ok && j < len(x.value); j++ {
			ok = isDigit(x.value[j])
			n = n*10 + int(x.value[j]-'0')
		}
		if ok {
			p.e.TimeUnixNano += int64(n)
			r.nanos = i + 1
		}
		return
	}
}

// taken reports whether field idx (index + 1) fills a role.
func (r *roles) taken(idx int) bool {
	if idx == r.nanos {
		return true
	}
	for _, x := range r.idx[1:] {
		if x == idx {
			return true
		}
	}
	return false
}

func (p *parser) kvAt(i int) kv {
	if i < p.nkv {
		return p.kv[i]
	}
	return p.extra[i-p.nkv]
}

func (p *parser) setKV(i int, x kv) {
	if i < p.nkv {
		p.kv[i] = x
	} else {
		p.extra[i-p.nkv] = x
	}
}

// appendRest adds the lines after a structured first line (or JSON
// object) to Message: a stack trace joined to a JSON log line is kept.
func (p *parser) appendRest(rest string) {
	rest = strings.TrimLeft(rest, " \t\r\n")
	if rest == "" {
		return
	}
	if p.e.Message == "" {
		p.e.Message = rest
		return
	}
	p.e.Message = p.e.Message + "\n" + rest
}

// json parses p.s as a JSON object. It reports false, leaving e alone, when
// the text is not a JSON object (possibly followed by further lines).
func (p *parser) json() bool {
	s := p.s
	sc := scanner{s: s}
	if !sc.object(p, "") {
		p.nkv, p.extra = 0, nil
		return false
	}
	// Only whitespace may follow the object on its own line.
	i := sc.i
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r') {
		i++
	}
	if i < len(s) && s[i] != '\n' {
		p.nkv, p.extra = 0, nil
		return false
	}
	var r roles
	for k := 0; k < p.nkv+len(p.extra); k++ {
		x := p.kvAt(k)
		r.offer(k, x.key, x.value, !x.json, p.e.Service != "", p.e.Host != "")
	}
	r.apply(p)
	p.appendRest(s[i:])
	return true
}

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
