package parse

import (
	"strings"

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
