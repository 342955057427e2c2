package patterns

import "unicode/utf8"

// wildcard stands for a variable in a template: a masked value or a
// position where the lines of a pattern differ.
const wildcard = "<*>"

// span is one token of the masked line, a slice of tokenizer.buf.
type span struct{ start, end int32 }

// tokenizer splits a line on white space and masks the variables inside
// each token, reusing its buffers from line to line so that a warm miner
// allocates nothing here.
type tokenizer struct {
	buf  []byte
	toks []span
}

// split fills t.buf and t.toks with the masked tokens of line: at most
// maxTokens (the last standing for the rest of a longer line), from its
// first maxBytes bytes.
func (t *tokenizer) split(line string, maxTokens, maxBytes int) {
	t.buf = t.buf[:0]
	t.toks = t.toks[:0]
	if len(line) > maxBytes {
		cut := maxBytes
		for cut > 0 && !utf8.RuneStart(line[cut]) {
			cut--
		}
		line = line[:cut]
	}
	n := len(line)
	i := 0
	for {
		for i < n && isSpace(line[i]) {
			i++
		}
		if i >= n {
			return
		}
		if len(t.toks) == maxTokens-1 {
			// The rest of a long line is one variable: lines that share
			// their first tokens then share a pattern whatever follows.
			t.emit(wildcard)
			return
		}
		j := i
		quoted := false
		for j < n && !isSpace(line[j]) {
			quoted = quoted || line[j] == '"' || line[j] == '\''
			j++
		}
		// A quoted value may hold spaces: take it whole when it closes.
		if quoted {
			if q := quoteAt(line, i, j); q >= 0 {
				if c := closeQuote(line, q); c > 0 && c >= j {
					j = c + 1
					for j < n && !isSpace(line[j]) {
						j++
					}
				}
			}
		}
		t.token(line[i:j])
		i = j
	}
}

func (t *tokenizer) emit(s string) {
	start := len(t.buf)
	t.buf = append(t.buf, s...)
	t.toks = append(t.toks, span{int32(start), int32(len(t.buf))})
}

// token appends tok with its variables masked. A token is cut at
// delimiters (brackets, quotes, '=', ',', ';') into pieces so that
// "uid=0", "sshd[24200]:" and "a=1,b=2" keep their keys and punctuation
// and lose only their values.
func (t *tokenizer) token(tok string) {
	start := len(t.buf)
	k := 0
	for k < len(tok) {
		c := tok[k]
		if (c == '"' || c == '\'') && (k == 0 || isDelim(tok[k-1])) {
			if e := closeQuote(tok, k); e > 0 {
				t.buf = append(t.buf, c)
				t.buf = append(t.buf, wildcard...)
				t.buf = append(t.buf, c)
				k = e + 1
				continue
			}
		}
		if isDelim(c) {
			t.buf = append(t.buf, c)
			k++
			continue
		}
		e := k + 1
		for e < len(tok) && !isDelim(tok[e]) {
			e++
		}
		t.piece(tok[k:e])
		k = e
	}
	// A run of tokens that are values only, such as a date and a time,
	// is one variable: its length varies with the values, not the message.
	if valueOnly(t.buf[start:]) {
		t.buf = append(t.buf[:start], wildcard...)
		if n := len(t.toks); n > 0 {
			if prev := t.toks[n-1]; string(t.buf[prev.start:prev.end]) == wildcard {
				t.buf = t.buf[:start]
				return
			}
		}
	}
	t.toks = append(t.toks, span{int32(start), int32(len(t.buf))})
}

// piece appends one run of a token between delimiters, masked: whole when
// it is a path, a URL or not UTF-8, else part by part between the
// separators of ids and addresses ("blk_-42" gives "blk_<*>"). A piece of
// values and separators only ("10.0.0.1:80") becomes one wildcard.
func (t *tokenizer) piece(p string) {
	if isVariable(p) {
		t.buf = append(t.buf, wildcard...)
		return
	}
	start := len(t.buf)
	vals, words := 0, 0
	k := 0
	for k < len(p) {
		c := p[k]
		sign := (c == '-' || c == '+') && k+1 < len(p) && isDigit(p[k+1]) && (k == 0 || isSep(p[k-1]))
		if isSep(c) && !sign {
			t.buf = append(t.buf, c)
			k++
			continue
		}
		e := k + 1
		for e < len(p) && !isSep(p[e]) {
			e++
		}
		if isValue(p[k:e]) {
			t.buf = append(t.buf, wildcard...)
			vals++
		} else {
			t.buf = append(t.buf, p[k:e]...)
			words++
		}
		k = e
	}
	if vals > words && words > 0 || valueOnly(t.buf[start:]) {
		t.buf = append(t.buf[:start], wildcard...)
	}
}

// isValue reports whether a part of an id or address is a value: it holds
// a digit. Numbers, hex, UUIDs, IPs, ports, durations, sizes, versions and
// dates all do; constant words seldom do.
func isValue(p string) bool { return hasDigit(p) }

func hasDigit(p string) bool {
	for i := 0; i < len(p); i++ {
		if isDigit(p[i]) {
			return true
		}
	}
	return false
}

// valueOnly reports whether b holds wildcards and punctuation only.
func valueOnly(b []byte) bool {
	wild := false
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case c == '<' && i+2 < len(b) && b[i+1] == '*' && b[i+2] == '>':
			wild = true
			i += 2
		case class[c]&(clLetter|clDigit) != 0 || c >= 0x80:
			return false
		}
	}
	return wild
}

// isVariable reports whether a piece of a token is a value as a whole: a
// path, a URL, or bytes that are not UTF-8.
func isVariable(p string) bool {
	if len(p) >= 2 {
		switch {
		case p[0] == '/' && p[1] != '/': // /var/log/x, but not "//"
			return true
		case p[0] == '\\', p[0] == '~' && p[1] == '/':
			return true
		case len(p) > 2 && p[1] == ':' && (p[2] == '\\' || p[2] == '/') && isLetter(p[0]): // C:\Windows
			return true
		}
	}
	checked := false
	for i := 0; i < len(p); i++ {
		switch c := p[i]; {
		case c >= 0x80:
			if !checked && !utf8.ValidString(p) {
				return true
			}
			checked = true
		case c == ':': // scheme://
			if i+2 < len(p) && p[i+1] == '/' && p[i+2] == '/' {
				return true
			}
		case c == '.':
			// A dot inside a name makes it a host, a file or a package
			// name: proxy.example.com, chrome.exe, com.android.systemui.
			if i > 0 && i+1 < len(p) && class[p[i-1]]&(clLetter|clDigit) != 0 && isLetter(p[i+1]) {
				return true
			}
		}
	}
	return false
}

// quoteAt returns where a quoted value starts in line[i:j] — at the token's
// start or just after a delimiter such as '=' — or -1.
func quoteAt(line string, i, j int) int {
	for k := i; k < j; k++ {
		c := line[k]
		if (c == '"' || c == '\'') && (k == i || isDelim(line[k-1])) {
			return k
		}
		if !isDelim(c) {
			// Only the first quote after delimiters counts, so that
			// words like don't stay words.
			for k < j && !isDelim(line[k]) {
				k++
			}
			k--
		}
	}
	return -1
}

// maxQuoted bounds the search for a closing quote, so that a line of
// thousands of unmatched quotes costs linear time.
const maxQuoted = 512

// closeQuote returns the index of the quote closing s[q], or -1 when there
// is none within maxQuoted bytes. A single quote closes only before a
// space, a delimiter or the end, since apostrophes are common in prose.
func closeQuote(s string, q int) int {
	c := s[q]
	end := min(len(s), q+1+maxQuoted)
	for k := q + 1; k < end; k++ {
		switch s[k] {
		case '\\':
			k++
		case c:
			if c == '"' || k+1 == len(s) || isSpace(s[k+1]) || isDelim(s[k+1]) || s[k+1] == ':' || s[k+1] == '.' {
				return k
			}
		}
	}
	return -1
}

// Byte classes, looked up in one table: the tokenizer asks them of every
// byte of every line.
const (
	clSpace = 1 << iota
	clDelim
	clSep
	clDigit
	clLetter
)

var class = func() (t [256]uint8) {
	for _, c := range " \t\n\r\v\f" {
		t[c] |= clSpace
	}
	// Delimiters separate a key from its value or a value from its
	// neighbours inside one token.
	for _, c := range "=,;()[]{}<>\"'|" {
		t[c] |= clDelim
	}
	// Separators join the parts of an id, a version or an address.
	for _, c := range "._-+:/@#$*\\" {
		t[c] |= clSep
	}
	for c := '0'; c <= '9'; c++ {
		t[c] |= clDigit
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] |= clLetter
		t[c-'a'+'A'] |= clLetter
	}
	return t
}()

func isSpace(c byte) bool  { return class[c]&clSpace != 0 }
func isDelim(c byte) bool  { return class[c]&clDelim != 0 }
func isSep(c byte) bool    { return class[c]&clSep != 0 }
func isDigit(c byte) bool  { return class[c]&clDigit != 0 }
func isLetter(c byte) bool { return class[c]&clLetter != 0 }
