package parse

import (
	"strings"

	"github.com/tailcast/tailcast/proto/logpb"
)

// This file reads formats whose header is a fixed run of columns before the
// message: cluster event logs (Blue Gene/L RAS, LANL HPC), Windows CBS/CSI
// and Proxifier. The columns (node, component, program…) become fields so
// that Message is the event a person reads.

// bgl reads Blue Gene/L RAS lines:
// "ALERT EPOCH yyyy.mm.dd NODE yyyy-mm-dd-hh.mm.ss.ffffff NODE TYPE COMPONENT LEVEL msg"
// (ALERT is "-" or a tag such as KERNDTLB). The time is the Unix epoch
// column, which is UTC, with the detailed stamp's fraction; the detailed
// stamp itself is a local time of an unknown zone.
func (p *parser) bgl() bool {
	h := p.head
	a := token(h, 0)
	if a == 0 || a+1 >= len(h) || h[a] != ' ' {
		return false
	}
	e := token(h, a+1)
	secs, ok := digits(h[a+1:e], 9, 10)
	if !ok || e+12 >= len(h) || h[e+5] != '.' || h[e+8] != '.' || h[e+11] != ' ' {
		return false
	}
	if _, ok := num(h, e+1, 4); !ok {
		return false
	}
	i := e + 12
	ne := token(h, i)
	if ne == i || ne+20 >= len(h) {
		return false
	}
	node := h[i:ne]
	i = ne + 1
	// yyyy-mm-dd-hh.mm.ss[.ffffff]
	if h[i+4] != '-' || h[i+7] != '-' || h[i+10] != '-' || h[i+13] != '.' || h[i+16] != '.' {
		return false
	}
	c, ok := ymd(h[i:])
	var ok1, ok2, ok3 bool
	c.h, ok1 = num(h, i+11, 2)
	c.mi, ok2 = num(h, i+14, 2)
	c.s, ok3 = num(h, i+17, 2)
	if !ok || !ok1 || !ok2 || !ok3 {
		return false
	}
	if _, ok := c.unixNano(); !ok {
		return false
	}
	i = fraction(h, i+19, &c)
	if i >= len(h) || h[i] != ' ' {
		return false
	}
	// NODE TYPE COMPONENT LEVEL
	var col [4]string
	for k := range col {
		i++
		e := token(h, i)
		if e == i || (e < len(h) && h[e] != ' ') || (e == len(h) && k < len(col)-1) {
			return false
		}
		col[k] = h[i:e]
		i = e
	}
	l, ok := levelWord(col[3])
	if !ok {
		if col[3] != "FAILURE" {
			return false
		}
		l = logpb.Level_LEVEL_FATAL
	}
	t := secs * 1e9
	if int(secs%60) == c.s { // zones are whole minutes: the fraction belongs to this second
		t += int64(c.ns)
	}
	p.e.TimeUnixNano = t
	p.e.Level = l
	if alert := h[:a]; alert != "-" {
		p.field("alert", alert, false)
	}
	p.field("node", node, false)
	if col[0] != node {
		p.field("location", col[0], false)
	}
	p.field("type", col[1], false)
	p.field("component", col[2], false)
	p.rest(min(i, len(p.s)))
	return true
}

// hpc reads the LANL HPC event log shape:
// "ID NODE COMPONENT STATE EPOCH FLAG msg", with EPOCH Unix seconds and
// FLAG a small integer.
func (p *parser) hpc() bool {
	h := p.head
	var col [6]string
	i := 0
	if id := token(h, 0); id > 19 || !allDigits(h[:id]) {
		return false // most digit-led lines fail here, before the columns are cut
	}
	for k := range col {
		e := token(h, i)
		if e == i || (e < len(h) && h[e] != ' ') || (e == len(h) && k < len(col)-1) {
			return false
		}
		col[k] = h[i:e]
		i = e + 1
	}
	secs, ok := digits(col[4], 9, 10)
	if !ok {
		return false
	}
	flag := strings.TrimPrefix(col[5], "-")
	if _, ok := digits(flag, 1, 2); !ok {
		return false
	}
	p.e.TimeUnixNano = secs * 1e9
	p.field("id", col[0], false)
	p.field("node", col[1], false)
	p.field("component", col[2], false)
	p.field("state", col[3], false)
	p.field("flag", col[5], false)
	p.rest(min(i, len(p.s)))
	return true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}

// digits parses s as an unsigned decimal of min to max digits.
func digits(s string, min, max int) (int64, bool) {
	if len(s) < min || len(s) > max {
		return 0, false
	}
	var v int64
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return 0, false
		}
		v = v*10 + int64(s[i]-'0')
	}
	return v, true
}

// cbs reads what follows Windows CBS/CSI's "yyyy-mm-dd hh:mm:ss, " at i:
// a level column, then a component column, each padded with blanks
// ("Info                  CBS    Loaded Servicing Stack …").
func (p *parser) cbs(i int) bool {
	h := p.head
	i = skipBlanks(h, i)
	l, n, ok := levelAt(h, i, true)
	if !ok {
		return false
	}
	p.e.Level = l
	// A component column is a short word padded with two blanks or more.
	if n-i >= 2 && h[n-2] == ' ' && h[n-1] == ' ' {
		e := token(h, n)
		if e > n && e-n <= 32 && e+2 < len(h) && h[e] == ' ' && h[e+1] == ' ' {
			p.field("component", h[n:e], false)
			n = skipBlanks(h, e)
		}
	}
	p.rest(n)
	return true
}

// proxifier reads what follows Proxifier's "[MM.DD hh:mm:ss]" at i:
// "PROGRAM - msg", where PROGRAM is one or two tokens ("chrome.exe *64").
func (p *parser) proxifier(i int) bool {
	h := p.head
	i = skipBlanks(h, i)
	e := token(h, i)
	if e == i {
		return false
	}
	for k := 0; k < 2 && e+2 < len(h); k++ {
		if h[e] == ' ' && h[e+1] == '-' && h[e+2] == ' ' {
			p.field("program", h[i:e], false)
			p.rest(e + 3)
			return true
		}
		e = token(h, e+1)
	}
	return false
}
