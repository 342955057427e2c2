package parse

import (
	"strings"

	"github.com/tailcast/tailcast/proto/logpb"
)

// plain recognises the plain-text formats by their first byte, each with a
// hand-written scanner (no regexps: this runs for every line). Local times
// without a zone are read as UTC; formats without a year get one inferred
// (see civil.withInferredYear).
func (p *parser) plain() bool {
	h := p.head
	switch c := h[0]; {
	case c == '<':
		if p.syslog() {
			return true
		}
	case c == '[':
		if p.bracketed() {
			return true
		}
	case isDigit(c):
		if p.digitLead() {
			return true
		}
	case isLetter(c):
		if p.letterLead() || (c >= 'A' && c <= 'Z' && p.bgl()) {
			return true
		}
	case c == '-':
		if p.bgl() {
			return true
		}
	}
	return p.access()
}

// levelAt reads a level at h[i:]: "[LEVEL]" (also Apache 2.4's
// "[module:level]") or a bare word. col says the position is a level
// column, where lower-case names count too. It returns the index of the
// message after it.
func levelAt(h string, i int, col bool) (logpb.Level, int, bool) {
	if i >= len(h) {
		return 0, i, false
	}
	if h[i] == '[' {
		end := strings.IndexByte(h[i:min(len(h), i+24)], ']')
		if end < 0 {
			return 0, i, false
		}
		w := h[i+1 : i+end]
		if k := strings.LastIndexByte(w, ':'); k >= 0 {
			w = w[k+1:]
		}
		l, ok := levelWord(strings.TrimSpace(w))
		if !ok {
			return 0, i, false
		}
		j := i + end + 1
		if j < len(h) && h[j] == ':' {
			j++
		}
		return l, skipBlanks(h, j), true
	}
	e := i
	for e < len(h) && isLetter(h[e]) {
		e++
	}
	if e == i || (e < len(h) && h[e] != ' ' && h[e] != '\t' && h[e] != ':') {
		return 0, i, false
	}
	strong := col || (e < len(h) && (h[e] == '\t' || h[e] == ':'))
	l, ok := plainLevel(h[i:e], strong)
	if !ok {
		return 0, i, false
	}
	if e < len(h) && h[e] == ':' {
		e++
	}
	return l, skipBlanks(h, e), true
}

// afterTime handles what follows a timestamp ending at i: Android's
// pid/tid/level columns, a level word or bracket (then the message follows
// it), or a level a few tokens further on (log4j's "[thread] LEVEL
// logger - msg", Python's "name - LEVEL - msg"), in which case the message
// keeps those tokens.
func (p *parser) afterTime(i int) bool {
	h := p.head
	if i+1 < len(h) && h[i] == ',' && h[i+1] == ' ' {
		return p.cbs(i + 1) // Windows CBS: "2016-09-28 04:30:30, Info  CBS  msg"
	}
	if i < len(h) && h[i] != ' ' && h[i] != '\t' && h[i] != ']' {
		return false // the "timestamp" runs on into other text
	}
	if i < len(h) && h[i] == ']' {
		i++
	}
	i = skipBlanks(h, i)
	// Separator columns: "2026-01-02 15:04:05,123 - name - LEVEL - msg".
	if i+1 < len(h) && (h[i] == '-' || h[i] == '|') && h[i+1] == ' ' {
		i = skipBlanks(h, i+1)
	}
	if p.androidTail(i) {
		return true
	}
	col := i > 0 && h[i-1] == '\t' // zap console: tab-separated columns
	if l, n, ok := levelAt(h, i, col); ok {
		p.e.Level = l
		p.rest(n)
		return true
	}
	j := i
	for k := 0; k < 4 && j < len(h); k++ {
		e := token(h, j)
		if !columnToken(h[j:e]) {
			break // prose: "sending ALERT to ops" names no level
		}
		j = skipBlanks(h, e)
		if l, _, ok := levelAt(h, j, false); ok {
			p.e.Level = l
			break
		}
	}
	p.rest(i)
	return true
}

// columnToken tells a prefix column ("[main]", "-", "myapp.db",
// "main.go:12", "[1234]", "UTC") from a word of prose.
func columnToken(t string) bool {
	if t == "" || t[0] == '[' || strings.ContainsAny(t, ".:/|") {
		return true
	}
	for i := 0; i < len(t); i++ {
		if t[i] >= 'a' && t[i] <= 'z' {
			return false
		}
	}
	return true
}

// androidTail reads logcat's "  1702  2395 D Tag: msg" after the time.
func (p *parser) androidTail(i int) bool {
	h := p.head
	pidStart := i
	for i < len(h) && isDigit(h[i]) {
		i++
	}
	pidEnd := i
	if pidEnd == pidStart || pidEnd-pidStart > 10 {
		return false
	}
	i = skipBlanks(h, i)
	tidStart := i
	for i < len(h) && isDigit(h[i]) {
		i++
	}
	tidEnd := i
	if tidEnd == tidStart || tidEnd-tidStart > 10 || tidStart == pidEnd || i+2 > len(h) || h[i] != ' ' || (i+2 < len(h) && h[i+2] != ' ') {
		return false
	}
	var l logpb.Level
	switch h[i+1] {
	case 'V':
		l = logpb.Level_LEVEL_TRACE
	case 'D':
		l = logpb.Level_LEVEL_DEBUG
	case 'I':
		l = logpb.Level_LEVEL_INFO
	case 'W':
		l = logpb.Level_LEVEL_WARN
	case 'E':
		l = logpb.Level_LEVEL_ERROR
	case 'F', 'A': // A: assert
		l = logpb.Level_LEVEL_FATAL
	default:
		return false
	}
	p.e.Level = l
	p.field("pid", h[pidStart:pidEnd], false)
	p.field("tid", h[tidStart:tidEnd], false)
	p.rest(min(i+2, len(h)))
	return true
}

func (p *parser) digitLead() bool {
	h := p.head
	if len(h) < 14 {
		return false
	}
	switch {
	case h[4] == '-': // 2026-01-02 15:04:05,000 … / 2026-01-02T15:04:05.000Z …
		if t, n, ok := iso(h); ok {
			p.e.TimeUnixNano = t
			return p.afterTime(n)
		}
	case h[4] == '/': // Go's log package: 2026/01/02 15:04:05 …
		if t, n, ok := goLog(h); ok {
			p.e.TimeUnixNano = t
			return p.afterTime(n)
		}
	case h[6] == ' ' && h[13] == ' ': // HDFS: 081109 203615 148 INFO dfs…
		if p.hdfs() {
			return true
		}
	case h[2] == '/' && h[5] == '/' && h[8] == ' ': // Spark: 17/06/09 20:10:40 INFO …
		var c civil
		var ok1, ok2, ok3 bool
		c.y, ok1 = num(h, 0, 2)
		c.mo, ok2 = num(h, 3, 2)
		c.d, ok3 = num(h, 6, 2)
		if !ok1 || !ok2 || !ok3 || len(h) < 17 {
			break
		}
		c.y = year2(c.y)
		n, ok := clock(h, 9, &c)
		if !ok {
			break
		}
		t, ok := c.unixNano()
		if !ok {
			break
		}
		p.e.TimeUnixNano = t
		return p.afterTime(n)
	case h[2] == '-' && h[5] == ' ': // Android logcat: 03-17 16:13:38.811 …
		var c civil
		var ok1, ok2 bool
		c.mo, ok1 = num(h, 0, 2)
		c.d, ok2 = num(h, 3, 2)
		if !ok1 || !ok2 {
			break
		}
		n, ok := clock(h, 6, &c)
		if !ok {
			break
		}
		t, ok := c.withInferredYear()
		if !ok {
			break
		}
		p.e.TimeUnixNano = t
		return p.afterTime(n)
	}
	return p.hpc() // 134681 node-246 unix.hw state_change.unavailable 1077804742 1 …
}

// hdfs reads "yyMMdd HHmmss thread LEVEL component: msg".
func (p *parser) hdfs() bool {
	h := p.head
	var c civil
	var ok [6]bool
	c.y, ok[0] = num(h, 0, 2)
	c.mo, ok[1] = num(h, 2, 2)
	c.d, ok[2] = num(h, 4, 2)
	c.h, ok[3] = num(h, 7, 2)
	c.mi, ok[4] = num(h, 9, 2)
	c.s, ok[5] = num(h, 11, 2)
	if ok != [6]bool{true, true, true, true, true, true} {
		return false
	}
	c.y = year2(c.y)
	t, good := c.unixNano()
	if !good {
		return false
	}
	p.e.TimeUnixNano = t
	i := 14
	j := i
	for j < len(h) && isDigit(h[j]) {
		j++
	}
	if j > i && j < len(h) && h[j] == ' ' {
		if l, n, ok := levelAt(h, j+1, true); ok {
			p.e.Level = l
			p.field("thread", h[i:j], false)
			p.rest(n)
			return true
		}
	}
	return p.afterTime(13)
}

func (p *parser) letterLead() bool {
	h := p.head
	// RFC 3164 without PRI: Dec 10 06:55:46 LabSZ sshd[24200]: …
	if t, n, ok := bsdTime(h, 0); ok {
		p.e.TimeUnixNano = t
		p.bsdBody(n)
		return true
	}
	if p.klog() {
		return true
	}
	// Leading level: "INFO 2026-01-02 … msg", "WARNING:root:msg" (Python
	// logging's default), "ERROR: msg".
	if l, n, ok := levelAt(h, 0, false); ok {
		p.e.Level = l
		p.leadingLevelRest(n)
		return true
	}
	return false
}

// leadingLevelRest reads an optional timestamp after a leading level, then
// the message.
func (p *parser) leadingLevelRest(i int) {
	h := p.head
	bracket := i < len(h) && h[i] == '['
	j := i
	if bracket {
		j++
	}
	var t int64
	var n int
	ok := false
	if j+19 <= len(h) && isDigit(h[j]) {
		if t, n, ok = iso(h[j:]); !ok {
			t, n, ok = goLog(h[j:])
		}
	}
	if ok {
		n += j
		if bracket {
			ok = n < len(h) && h[n] == ']'
			n++
		}
		if ok && (n >= len(h) || h[n] == ' ' || h[n] == '\t') {
			p.e.TimeUnixNano = t
			i = skipBlanks(h, n)
		}
	}
	p.rest(i)
}

// klog reads Kubernetes/glog's "I0102 15:04:05.123456    1234 file.go:12] msg".
func (p *parser) klog() bool {
	h := p.head
	if len(h) < 22 || h[5] != ' ' {
		return false
	}
	var l logpb.Level
	switch h[0] {
	case 'I':
		l = logpb.Level_LEVEL_INFO
	case 'W':
		l = logpb.Level_LEVEL_WARN
	case 'E':
		l = logpb.Level_LEVEL_ERROR
	case 'F':
		l = logpb.Level_LEVEL_FATAL
	default:
		return false
	}
	var c civil
	var ok1, ok2 bool
	c.mo, ok1 = num(h, 1, 2)
	c.d, ok2 = num(h, 3, 2)
	if !ok1 || !ok2 {
		return false
	}
	i, ok := clock(h, 6, &c)
	if !ok || i >= len(h) || h[i] != ' ' {
		return false
	}
	i = skipBlanks(h, i)
	j := i
	for j < len(h) && isDigit(h[j]) {
		j++
	}
	if j == i || j >= len(h) || h[j] != ' ' || strings.IndexByte(h[j:], ']') < 0 {
		return false
	}
	t, ok := c.withInferredYear()
	if !ok {
		return false
	}
	p.e.TimeUnixNano = t
	p.e.Level = l
	p.field("thread", h[i:j], false)
	p.rest(j + 1)
	return true
}

// bracketed reads lines that open with a bracket: Apache's
// "[Sun Dec 04 04:47:44 2005] [error] …", "[2026-01-02 15:04:05] …",
// "[10/Oct/2000:13:55:36 -0700] …" and "[WARN] …".
func (p *parser) bracketed() bool {
	h := p.head
	if t, n, ok := ctime(h[1:]); ok && 1+n < len(h) && h[1+n] == ']' {
		p.e.TimeUnixNano = t
		return p.afterTime(1 + n)
	}
	if t, n, ok := monthDay(h, 1); ok && n < len(h) && h[n] == ']' {
		p.e.TimeUnixNano = t
		return p.proxifier(n+1) || p.afterTime(n)
	}
	if len(h) > 20 && isDigit(h[1]) {
		if t, n, ok := iso(h[1:]); ok && 1+n < len(h) && h[1+n] == ']' {
			p.e.TimeUnixNano = t
			return p.afterTime(1 + n)
		}
		if t, n, ok := clf(h, 1); ok && n < len(h) && h[n] == ']' {
			p.e.TimeUnixNano = t
			return p.afterTime(n)
		}
	}
	if l, n, ok := levelAt(h, 0, true); ok {
		p.e.Level = l
		p.leadingLevelRest(n)
		return true
	}
	return false
}

// access reads the NCSA common/combined access log shape used by Apache
// and nginx: `addr ident user [time] "request" status bytes …`. The level
// follows the status: 5xx error, 4xx warn, anything else info.
func (p *parser) access() bool {
	h := p.head
	a := token(h, 0)
	if a == 0 || a+1 >= len(h) || h[a] != ' ' {
		return false
	}
	b := token(h, a+1)
	if b+1 >= len(h) || h[b] != ' ' {
		return false
	}
	c := token(h, b+1)
	if c+2 >= len(h) || h[c] != ' ' || h[c+1] != '[' {
		return false
	}
	t, i, ok := clf(h, c+2)
	if !ok || i+2 >= len(h) || h[i] != ']' || h[i+1] != ' ' || h[i+2] != '"' {
		return false
	}
	reqStart := i + 2
	j := reqStart + 1
	for j < len(h) && h[j] != '"' {
		if h[j] == '\\' {
			j++
		}
		j++
	}
	if j >= len(h) {
		return false
	}
	req := h[reqStart+1 : j]
	j++
	if j+4 > len(h) || h[j] != ' ' {
		return false
	}
	status, ok := num(h, j+1, 3)
	if !ok || status < 100 || (j+4 < len(h) && h[j+4] != ' ') {
		return false
	}
	statusStr := h[j+1 : j+4]
	j += 4
	var size string
	if j < len(h) {
		k := token(h, j+1)
		size = h[j+1 : k]
	}

	p.e.TimeUnixNano = t
	switch {
	case status >= 500:
		p.e.Level = logpb.Level_LEVEL_ERROR
	case status >= 400:
		p.e.Level = logpb.Level_LEVEL_WARN
	default:
		p.e.Level = logpb.Level_LEVEL_INFO
	}
	p.field("remote_addr", h[:a], false)
	if user := h[b+1 : c]; user != "-" {
		p.field("user", user, false)
	}
	if m := strings.IndexByte(req, ' '); m > 0 {
		p.field("method", req[:m], false)
		path := req[m+1:]
		if k := strings.LastIndexByte(path, ' '); k > 0 && strings.HasPrefix(path[k+1:], "HTTP/") {
			path = path[:k]
		}
		p.field("path", path, false)
	}
	p.field("status", statusStr, true)
	if size != "" && size != "-" {
		_, isNum := num(size, 0, len(size))
		p.field("bytes", size, isNum)
	}
	p.rest(reqStart)
	return true
}
