package pusher

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tailcast/tailcast/proto/logpb"
)

// maxWheres caps the where expressions of one filter.
const maxWheres = 32

// whereOp is the comparison of a where expression.
type whereOp uint8

const (
	opEq      whereOp = iota // =
	opNe                     // !=
	opLt                     // <
	opLe                     // <=
	opGt                     // >
	opGe                     // >=
	opMatch                  // ~ (RE2)
	opNoMatch                // !~
)

// whereOps lists the operators, longest first so that ">=" is not read as
// ">" followed by "=value".
var whereOps = []struct {
	s  string
	op whereOp
}{{"!=", opNe}, {"<=", opLe}, {">=", opGe}, {"!~", opNoMatch}, {"=", opEq}, {"<", opLt}, {">", opGt}, {"~", opMatch}}

// where is one compiled field condition, parsed once when the filter is
// compiled so that evaluating it per entry allocates nothing.
type where struct {
	key   string
	op    whereOp
	val   string
	num   float64 // val as a number, when isNum
	isNum bool
	re    *regexp.Regexp
	reLen int
}

// parseWhere compiles `key OP value`, OP one of = != < <= > >= ~ !~.
func parseWhere(s string) (where, error) {
	var w where
	if len(s) > maxFilterText {
		return w, fmt.Errorf("%w: where longer than %d bytes", ErrBadFilter, maxFilterText)
	}
	if !utf8.ValidString(s) {
		return w, fmt.Errorf("%w: where is not valid UTF-8", ErrBadFilter)
	}
	i := strings.IndexAny(s, "=!<>~")
	if i < 0 {
		return w, fmt.Errorf("%w: where %q: no operator (want field=value, !=, <, <=, >, >=, ~ or !~)", ErrBadFilter, s)
	}
	w.key = strings.TrimSpace(s[:i])
	if w.key == "" {
		return w, fmt.Errorf("%w: where %q: no field name before the operator", ErrBadFilter, s)
	}
	rest := s[i:]
	found := false
	for _, o := range whereOps {
		if strings.HasPrefix(rest, o.s) {
			w.op, w.val, found = o.op, strings.TrimSpace(rest[len(o.s):]), true
			break
		}
	}
	if !found {
		return w, fmt.Errorf("%w: where %q: unknown operator (want =, !=, <, <=, >, >=, ~ or !~)", ErrBadFilter, s)
	}
	if n, err := strconv.ParseFloat(w.val, 64); err == nil {
		w.num, w.isNum = n, true
	}
	switch w.op {
	case opLt, opLe, opGt, opGe:
		if !w.isNum {
			return w, fmt.Errorf("%w: where %q: %q is not a number (<, <=, > and >= compare numbers)", ErrBadFilter, s, w.val)
		}
	case opMatch, opNoMatch:
		var err error
		if w.re, w.reLen, err = compileRegex(w.val); err != nil {
			return w, fmt.Errorf("where %q: %w", s, err)
		}
	}
	return w, nil
}

// key is the canonical form, for interning.
func (w *where) canon() string {
	for _, o := range whereOps {
		if o.op == w.op {
			return strconv.Quote(w.key) + o.s + strconv.Quote(w.val)
		}
	}
	return ""
}

// match reports whether fields satisfy w. A field the entry lacks matches
// nothing, not even !=. When a field appears twice, the first one counts.
func (w *where) match(fields []*logpb.Field) bool {
	for _, f := range fields {
		if f == nil || f.Key != w.key {
			continue
		}
		return w.matchValue(f.Value)
	}
	return false
}

func (w *where) matchValue(v string) bool {
	switch w.op {
	case opMatch:
		return w.re.MatchString(v[:min(len(v), w.reLen)])
	case opNoMatch:
		return !w.re.MatchString(v[:min(len(v), w.reLen)])
	case opEq, opNe:
		eq := v == w.val
		if !eq && w.isNum && numeric(v) {
			// 500 and 500.0 are equal; "5e2" too. Numbers compare as numbers.
			if n, err := strconv.ParseFloat(v, 64); err == nil {
				eq = n == w.num
			}
		}
		return eq == (w.op == opEq)
	}
	if !numeric(v) {
		return false
	}
	n, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return false
	}
	switch w.op {
	case opLt:
		return n < w.num
	case opLe:
		return n <= w.num
	case opGt:
		return n > w.num
	default:
		return n >= w.num
	}
}

// compileWheres parses every expression of a filter.
func compileWheres(exprs []string) ([]where, error) {
	var out []where
	for _, e := range exprs {
		if strings.TrimSpace(e) == "" {
			continue
		}
		if len(out) >= maxWheres {
			return nil, fmt.Errorf("%w: more than %d where expressions", ErrBadFilter, maxWheres)
		}
		w, err := parseWhere(e)
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, nil
}

// numeric reports whether v may be a number, so that ParseFloat, which
// allocates its error, is not tried on text.
func numeric(v string) bool {
	if v == "" {
		return false
	}
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c >= '0' && c <= '9', c == '.', c == '-', c == '+', c == 'e', c == 'E', c == '_':
		default:
			return false
		}
	}
	return true
}
