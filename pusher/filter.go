package pusher

import (
	"encoding/json"
	"fmt"
	"regexp"
	"regexp/syntax"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tailcast/tailcast/internal/parse"
	"github.com/tailcast/tailcast/proto/logpb"
)

// Limits on filter input, so that a hostile client cannot make the server
// hold, compile or run arbitrarily much.
const (
	maxFilterValues = 256
	maxFilterValue  = 256 // bytes of one service or host value
	maxFilterText   = 4096
	maxBackfill     = 10000
	// maxRegexInsts caps the compiled program of re. A regular expression
	// costs about its program size per byte of text: `(?i)timeout` is 9
	// instructions, a UUID pattern 38, `[^Q]{0,1000}[^Q]{0,1000}[^Q]{0,1000}Q`
	// 6003 (milliseconds per 200-byte line).
	maxRegexInsts = 1000
	// maxRegexWork bounds what re may cost per entry, in program
	// instructions times bytes of text (about 10 ns each here): re looks
	// at the first maxRegexWork/instructions bytes of a message, 116 KiB
	// for `(?i)timeout` (9 instructions), 1 KiB at the cap. A long line
	// then costs at most about 10 ms, whatever its length.
	maxRegexWork = 1 << 18
)

// filter is an immutable, compiled client filter. Equal filters share one
// *filter (see Server.intern) so that the flush loop can group their
// clients and build one frame for all of them.
type filter struct {
	services []string
	hosts    []string
	minLevel logpb.Level // LEVEL_UNKNOWN: no minimum
	q        string      // lowercased
	re       *regexp.Regexp
	reLen    int       // re looks at the first reLen bytes of a message
	pre      prefilter // literals re needs (literal.go)
	wheres   []where
	patterns []string // pattern ids, any of which must be the entry's
	notPats  []string // pattern ids the entry must not have
	key      string   // canonical form, for interning
}

// all reports whether the filter lets every entry through.
func (f *filter) all() bool {
	return len(f.services) == 0 && len(f.hosts) == 0 && f.minLevel == logpb.Level_LEVEL_UNKNOWN && f.q == "" && f.re == nil && len(f.wheres) == 0 && len(f.patterns) == 0 && len(f.notPats) == 0
}

// costly reports whether evaluating f may cost more than a few comparisons
// per entry: such a filter is never evaluated by the flush loop, which
// serves every client, but by the client's own scanner.
func (f *filter) costly() bool {
	if f.re != nil {
		return true
	}
	for i := range f.wheres {
		if f.wheres[i].re != nil {
			return true
		}
	}
	return false
}

// scanned reports whether the fan-out evaluates f on its client's scanner
// (scanner.go) rather than in the flush loop: f is costly, unless its only
// costly term is a regular expression that its literal prefilter decides
// (an unanchored, case-sensitive literal or alternation of literals:
// prefilter.full), which costs what a q does, a few byte searches of a
// bounded text. For such a filter, as for every cheap one, mayMatch is
// match.
func (f *filter) scanned() bool {
	if !f.costly() {
		return false
	}
	if f.re == nil || !f.pre.full {
		return true
	}
	for i := range f.wheres {
		if f.wheres[i].re != nil {
			return true
		}
	}
	return false
}

// match reports whether an entry passes. ltext is the lowercased message
// and field values (record.ltext). The cheap terms go first, so that the
// regular expressions run only on entries that pass them.
func (f *filter) match(service, host string, level logpb.Level, msg, ltext string, fields []*logpb.Field, pattern string) bool {
	if !f.matchCheap(service, host, level, ltext, fields, pattern) {
		return false
	}
	if f.re != nil && !f.matchRe(msg, ltext) {
		return false
	}
	for i := range f.wheres {
		if f.wheres[i].re != nil && !f.wheres[i].match(fields) {
			return false
		}
	}
	return true
}

// matchCheap is match without the regular expressions (re, where ~ and
// !~), which it counts as passing.
func (f *filter) matchCheap(service, host string, level logpb.Level, ltext string, fields []*logpb.Field, pattern string) bool {
	return f.matchCheapGiven(service, host, level, ltext, fields, pattern, 0)
}

// matchCheapGiven is matchCheap for an entry known to pass the terms
// given, which it does not test again.
func (f *filter) matchCheapGiven(service, host string, level logpb.Level, ltext string, fields []*logpb.Field, pattern string, given terms) bool {
	if len(f.patterns) > 0 && given&termPatterns == 0 && !slices.Contains(f.patterns, pattern) {
		return false
	}
	if len(f.notPats) > 0 && pattern != "" && slices.Contains(f.notPats, pattern) {
		return false
	}
	if len(f.services) > 0 && given&termServices == 0 && !slices.Contains(f.services, service) {
		return false
	}
	if len(f.hosts) > 0 && given&termHosts == 0 && !slices.Contains(f.hosts, host) {
		return false
	}
	if f.minLevel != logpb.Level_LEVEL_UNKNOWN && given&termLevel == 0 && level < f.minLevel {
		return false
	}
	if f.q != "" && given&termQ == 0 && !strings.Contains(ltext, f.q) {
		return false
	}
	for i := range f.wheres {
		if f.wheres[i].re == nil && !f.wheres[i].match(fields) {
			return false
		}
	}
	return true
}

// matchRe runs f.re, after its literal prefilter, on the part of msg it
// looks at.
func (f *filter) matchRe(msg, ltext string) bool {
	if !f.prefilter(msg, ltext) {
		return false
	}
	if f.pre.full {
		return true // a literal of the alternation occurs: that is a match
	}
	return f.runRe(msg, ltext)
}

// runRe runs f.re on the part of msg it looks at; ltext is msg's
// lowercased text. A case-insensitive ASCII literal (prefilter.asciiFold)
// on an ASCII message is a search of the lowercased message: ltext starts
// with the message lowercased rune by rune, byte for byte where ASCII.
func (f *filter) runRe(msg, ltext string) bool {
	msg = msg[:min(len(msg), f.reLen)]
	if f.pre.asciiFold != nil && len(ltext) >= len(msg) && isASCII(msg) {
		lmsg := ltext[:len(msg)]
		for _, l := range f.pre.asciiFold {
			if strings.Contains(lmsg, l) {
				return true
			}
		}
		return false
	}
	return f.re.MatchString(msg)
}

// prefilter runs f.re's literal prefilter on what f.re looks at: the
// first reLen bytes of the message, and so, lowercased, at most twice as
// many of ltext (lowercasing makes no character more than half again as
// long). Its cost is so bounded like the expression's, whatever the
// message's length.
func (f *filter) prefilter(msg, ltext string) bool {
	return f.pre.pass(msg[:min(len(msg), f.reLen)], ltext[:min(len(ltext), 2*f.reLen)])
}

// mayMatch is false when r surely does not pass f, for the price of
// comparisons and byte searches: matchCheap and re's literal prefilter.
func (f *filter) mayMatch(r *record) bool { return f.mayMatchGiven(r, 0) }

// mayMatchGiven is mayMatch for a record known to pass the terms given
// (the match index's anchors prove some), which it does not test again.
func (f *filter) mayMatchGiven(r *record, given terms) bool {
	return f.matchCheapGiven(r.service, r.host, r.level, r.ltext, r.fields, r.pattern, given) &&
		(f.re == nil || given&termLits != 0 && f.prefilterSeesAll(r) || f.prefilter(r.msg, r.ltext))
}

// prefilterSeesAll reports whether f's prefilter searches the whole of
// r's text (the message, or the lowercased text for a folded one): then
// one of its literals anywhere in that text passes it.
func (f *filter) prefilterSeesAll(r *record) bool {
	if f.pre.fold {
		return len(r.ltext) <= 2*f.reLen
	}
	return len(r.msg) <= f.reLen
}

// terms is a set of a filter's terms.
type terms uint16

const (
	termServices terms = 1 << iota
	termHosts
	termLevel
	termQ
	termLits // one of re's prefilter literals occurs in the text it searches
	termRe
	termWheres
	termPatterns
	termNotPats
)

// terms returns the terms f has. A regular expression is termRe, and
// termLits too when it has a prefilter.
func (f *filter) terms() terms {
	var t terms
	if len(f.services) > 0 {
		t |= termServices
	}
	if len(f.hosts) > 0 {
		t |= termHosts
	}
	if f.minLevel != logpb.Level_LEVEL_UNKNOWN {
		t |= termLevel
	}
	if f.q != "" {
		t |= termQ
	}
	if f.re != nil {
		t |= termRe
		if len(f.pre.lits) > 0 {
			t |= termLits
		}
	}
	if len(f.wheres) > 0 {
		t |= termWheres
	}
	if len(f.patterns) > 0 {
		t |= termPatterns
	}
	if len(f.notPats) > 0 {
		t |= termNotPats
	}
	return t
}

// matchCostly is match for a record known to pass mayMatch: the regular
// expressions alone, not the terms mayMatch has tested.
func (f *filter) matchCostly(r *record) bool {
	if f.re != nil && !f.pre.full && !f.runRe(r.msg, r.ltext) {
		return false
	}
	for i := range f.wheres {
		if f.wheres[i].re != nil && !f.wheres[i].match(r.fields) {
			return false
		}
	}
	return true
}

func (f *filter) matchRecord(r *record) bool {
	return f.match(r.service, r.host, r.level, r.msg, r.ltext, r.fields, r.pattern)
}

// matchEntry matches an entry read from Kafka (replay only: it allocates),
// whose pattern id is pattern (patTable.lookup).
func (f *filter) matchEntry(e *logpb.LogEntry, pattern string) bool {
	var p partState
	return f.match(e.Service, e.Host, e.Level, e.Message, p.lowerText(e), e.Fields, pattern)
}

// filterSpec is the uncompiled filter, as the query or a client message
// gives it.
type filterSpec struct {
	services []string
	hosts    []string
	level    string
	q        string
	re       string
	wheres   []string // field conditions (where.go), all of which must hold
	patterns []string // pattern ids (pattern=), any of which
	notPats  []string // pattern ids (not_pattern=), none of which
}

// splitValues flattens repeated and comma-separated values, dropping blanks.
func splitValues(name string, vals []string) ([]string, error) {
	var out []string
	for _, v := range vals {
		for s := range strings.SplitSeq(v, ",") {
			s = strings.TrimSpace(s)
			if s == "" {
				continue
			}
			if len(s) > maxFilterValue {
				return nil, fmt.Errorf("%w: a %s value is longer than %d bytes", ErrBadFilter, name, maxFilterValue)
			}
			if len(out) >= maxFilterValues {
				return nil, fmt.Errorf("%w: more than %d %s values", ErrBadFilter, maxFilterValues, name)
			}
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// compile validates the spec and builds a filter.
func (sp filterSpec) compile() (*filter, error) {
	f := &filter{}
	var err error
	if f.services, err = splitValues("service", sp.services); err != nil {
		return nil, err
	}
	if f.hosts, err = splitValues("host", sp.hosts); err != nil {
		return nil, err
	}
	if lv := strings.TrimSpace(sp.level); lv != "" {
		l, ok := parse.ParseLevel(lv)
		if !ok {
			return nil, fmt.Errorf("%w: unknown level %q (want trace, debug, info, warn, error or fatal)", ErrBadFilter, lv)
		}
		f.minLevel = l
	}
	for name, s := range map[string]string{"q": sp.q, "re": sp.re} {
		if len(s) > maxFilterText {
			return nil, fmt.Errorf("%w: %s longer than %d bytes", ErrBadFilter, name, maxFilterText)
		}
		if !utf8.ValidString(s) {
			return nil, fmt.Errorf("%w: %s is not valid UTF-8", ErrBadFilter, name)
		}
	}
	f.q = strings.ToLower(sp.q)
	if sp.re != "" {
		if f.re, f.reLen, err = compileRegex(sp.re); err != nil {
			return nil, err
		}
		f.pre = newPrefilter(sp.re)
	}
	if f.wheres, err = compileWheres(sp.wheres); err != nil {
		return nil, err
	}
	if f.patterns, err = splitValues("pattern", sp.patterns); err != nil {
		return nil, err
	}
	if f.notPats, err = splitValues("not_pattern", sp.notPats); err != nil {
		return nil, err
	}
	// The key is unambiguous: every part is quoted.
	var kb []byte
	for _, s := range f.services {
		kb = strconv.AppendQuote(append(kb, 's'), s)
	}
	for _, s := range f.hosts {
		kb = strconv.AppendQuote(append(kb, 'h'), s)
	}
	kb = strconv.AppendInt(append(kb, 'l'), int64(f.minLevel), 10)
	kb = strconv.AppendQuote(append(kb, 'q'), f.q)
	kb = strconv.AppendQuote(append(kb, 'r'), sp.re)
	for i := range f.wheres {
		kb = append(append(kb, 'w'), f.wheres[i].canon()...)
	}
	for _, s := range f.patterns {
		kb = strconv.AppendQuote(append(kb, 'p'), s)
	}
	for _, s := range f.notPats {
		kb = strconv.AppendQuote(append(kb, 'n'), s)
	}
	f.key = string(kb)
	return f, nil
}

func (l *stringList) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*l = []string{s}
		return nil
	}
	var ss []string
	if err := json.Unmarshal(b, &ss); err != nil {
		return fmt.Errorf("want a string or an array of strings")
	}
	*l = ss
	return nil
}

// compileRegex compiles re (RE2 syntax), refusing programs larger than
// maxRegexInsts before building the matcher, and returns how much of a
// message it may look at.
func compileRegex(re string) (*regexp.Regexp, int, error) {
	sy, err := syntax.Parse(re, syntax.Perl)
	if err != nil {
		return nil, 0, fmt.Errorf("%w: invalid re: %v", ErrBadFilter, err)
	}
	prog, err := syntax.Compile(sy.Simplify())
	if err != nil {
		return nil, 0, fmt.Errorf("%w: invalid re: %v", ErrBadFilter, err)
	}
	n := len(prog.Inst)
	if n > maxRegexInsts {
		return nil, 0, fmt.Errorf("%w: re too costly: it compiles to %d instructions, at most %d are allowed (use fewer or smaller repetition counts)", ErrBadFilter, n, maxRegexInsts)
	}
	r, err := regexp.Compile(re)
	if err != nil {
		return nil, 0, fmt.Errorf("%w: invalid re: %v", ErrBadFilter, err)
	}
	return r, maxRegexWork / max(n, 1), nil
}
