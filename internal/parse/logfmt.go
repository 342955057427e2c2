package parse

import "strings"

// looksLogfmt is a cheap test: the first token is key=….
func looksLogfmt(head string) bool {
	c := head[0]
	if !isLetter(c) && c != '_' && c != '@' {
		return false
	}
	for i := 1; i < len(head); i++ {
		switch head[i] {
		case '=':
			return true
		case ' ', '\t', '"':
			return false
		}
	}
	return false
}

// logfmt parses p.head as `key=value key="quoted value" …`. Every token
// must be a pair and there must be at least two, or the line is left to
// the plain parsers. Values are text (Json false): logfmt has no types.
func (p *parser) logfmt() bool {
	s := p.head
	i, pairs := 0, 0
	for {
		i = skipBlanks(s, i)
		if i >= len(s) {
			break
		}
		ks := i
		for i < len(s) && s[i] != '=' && s[i] != ' ' && s[i] != '\t' && s[i] != '"' {
			i++
		}
		if i == ks || i >= len(s) || s[i] != '=' {
			p.nkv, p.extra = 0, nil
			return false
		}
		key := s[ks:i]
		i++
		var val string
		if i < len(s) && s[i] == '"' {
			v, n, ok := unquoteLogfmt(s, i)
			if !ok {
				p.nkv, p.extra = 0, nil
				return false
			}
			val, i = v, n
			if i < len(s) && s[i] != ' ' && s[i] != '\t' {
				p.nkv, p.extra = 0, nil
				return false
			}
		} else {
			vs := i
			i = token(s, i)
			val = s[vs:i]
		}
		p.field(key, val, false)
		pairs++
	}
	if pairs < 2 {
		p.nkv, p.extra = 0, nil
		return false
	}
	var r roles
	for k := 0; k < p.nkv+len(p.extra); k++ {
		x := p.kvAt(k)
		r.offer(k, x.key, x.value, true, p.e.Service != "", p.e.Host != "")
	}
	r.apply(p)
	p.appendRest(p.s[len(p.head):])
	return true
}

// unquoteLogfmt reads the quoted value at s[i] (a '"') with Go-style
// escapes \" \\ \n \t \r; other backslashes are kept. It returns the value,
// a substring of s when unescaped, and the index after the closing quote.
func unquoteLogfmt(s string, i int) (string, int, bool) {
	start := i + 1
	j := start
	for j < len(s) && s[j] != '"' && s[j] != '\\' {
		j++
	}
	if j >= len(s) {
		return "", 0, false
	}
	if s[j] == '"' {
		return s[start:j], j + 1, true
	}
	var b strings.Builder
	b.Grow(j - start + 16)
	b.WriteString(s[start:j])
	for j < len(s) {
		c := s[j]
		if c == '"' {
			return b.String(), j + 1, true
		}
		if c == '\\' && j+1 < len(s) {
			switch s[j+1] {
			case '"', '\\':
				b.WriteByte(s[j+1])
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			default:
				b.WriteByte('\\')
				b.WriteByte(s[j+1])
			}
			j += 2
			continue
		}
		b.WriteByte(c)
		j++
	}
	return "", 0, false
}
