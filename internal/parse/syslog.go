package parse

import "strings"

// bsdBody reads RFC 3164's " HOST TAG[PID]: msg" after the time at i. The
// host goes to a field; the tag stays in the message as its component.
func (p *parser) bsdBody(i int) {
	h := p.head
	i = skipBlanks(h, i)
	e := token(h, i)
	host := h[i:e]
	// No host: the token is already the tag ("su:", "sshd[12]:").
	if e > i && e < len(h) && host[len(host)-1] != ':' && strings.IndexByte(host, '[') < 0 {
		p.field("host", host, false)
		i = e
	}
	p.rest(i)
}

// syslog reads "<PRI>" then RFC 5424 or RFC 3164. The level comes from the
// PRI's severity.
func (p *parser) syslog() bool {
	h := p.head
	i := 1
	pri := 0
	for i < len(h) && i < 4 && isDigit(h[i]) {
		pri = pri*10 + int(h[i]-'0')
		i++
	}
	if i == 1 || i >= len(h) || h[i] != '>' || pri > 191 {
		return false
	}
	i++
	p.e.Level = syslogLevel(pri & 7)
	if i+1 < len(h) && h[i] == '1' && h[i+1] == ' ' {
		if p.rfc5424(i + 2) {
			return true
		}
	}
	if t, n, ok := bsdTime(h, i); ok {
		p.e.TimeUnixNano = t
		p.bsdBody(n)
		return true
	}
	if t, n, ok := iso(h[i:]); ok && i+n < len(h) && h[i+n] == ' ' { // rsyslog's high-precision time
		p.e.TimeUnixNano = t
		p.bsdBody(i + n)
		return true
	}
	p.rest(i)
	return true
}

// rfc5424 reads "TIMESTAMP HOST APP PROCID MSGID SD [MSG]" from i.
func (p *parser) rfc5424(i int) bool {
	h := p.head
	var t int64
	if strings.HasPrefix(h[i:], "- ") {
		i += 2
	} else {
		var n int
		var ok bool
		if t, n, ok = iso(h[i:]); !ok || i+n >= len(h) || h[i+n] != ' ' {
			return false
		}
		i += n + 1
	}
	var hdr [4]string // host, app, procid, msgid
	for k := range hdr {
		e := token(h, i)
		if e == i || e >= len(h) || h[e] != ' ' {
			return false
		}
		hdr[k] = h[i:e]
		i = e + 1
	}
	sdStart := i
	if i < len(h) && h[i] == '-' {
		i++
	} else {
		for i < len(h) && h[i] == '[' {
			i = sdElement(h, i)
			if i < 0 {
				return false
			}
		}
		if i == sdStart {
			return false
		}
	}
	sd := h[sdStart:i]
	if i < len(h) && h[i] != ' ' {
		return false
	}
	p.e.TimeUnixNano = t
	for k, name := range [4]string{"host", "app", "procid", "msgid"} {
		if hdr[k] != "-" {
			p.field(name, hdr[k], false)
		}
	}
	if sd != "-" {
		p.field("sd", sd, false)
	}
	i = min(i+1, len(p.s))
	p.e.Message = strings.TrimPrefix(trimLeft(p.s[i:]), "\uFEFF")
	return true
}

// sdElement skips one "[id k="v" …]" with \" and \] escapes in values and
// returns the index after it, or -1.
func sdElement(h string, i int) int {
	quoted := false
	for i++; i < len(h); i++ {
		switch h[i] {
		case '\\':
			if quoted {
				i++
			}
		case '"':
			quoted = !quoted
		case ']':
			if !quoted {
				return i + 1
			}
		}
	}
	return -1
}
