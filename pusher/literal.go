package pusher

import (
	"regexp/syntax"
	"slices"
	"strings"
	"unicode/utf8"
)

// maxLiteralSet bounds the literals a prefilter tries per entry: past it,
// the alternatives are many and short, and the regular expression itself
// is about as cheap.
const maxLiteralSet = 16

// litSet is what a regular expression needs of a text: one of lits must
// occur in it (in the lowercased text when fold). exact: the text of a
// match is one of lits, end to end, so neighbouring literals of a
// concatenation may be joined.
type litSet struct {
	lits  []string
	fold  bool
	exact bool
}

// prefilter is a literal test that rejects, for the price of a byte
// search, most entries a regular expression would reject: when none of its
// literals is in the message, the expression cannot match. It never
// rejects what the expression matches (TestPrefilterNeverRejectsAMatch).
// The zero value passes everything.
type prefilter struct {
	lits []string
	fold bool // lits are lowercased: search the lowercased text
	// full: the expression matches exactly when one of lits occurs (it is
	// an unanchored literal or alternation of literals), so that a hit
	// needs no regular expression at all.
	full bool
	// asciiFold, for a case-insensitive literal or alternation of
	// literals in ASCII (`(?i)panic recovered`), is those lowercased: in
	// an ASCII text, where case folding is ASCII's, the expression
	// matches exactly where one of them is in the lowercased text
	// (filter.runRe). nil otherwise.
	asciiFold []string
}

// pass reports whether msg (and its lowercased text, ltext) may match.
func (p *prefilter) pass(msg, ltext string) bool {
	if len(p.lits) == 0 {
		return true
	}
	text := msg
	if p.fold {
		text = ltext
	}
	for _, l := range p.lits {
		if strings.Contains(text, l) {
			return true
		}
	}
	return false
}

// newPrefilter extracts the literals every match of re needs. The
// literals are searched in the whole message, of which the expression
// sees only a prefix (filter.reLen), so a hit may be a false positive but
// a miss never is.
func newPrefilter(re string) prefilter {
	sy, err := syntax.Parse(re, syntax.Perl)
	if err != nil {
		return prefilter{}
	}
	sy = sy.Simplify()
	var asciiFold []string
	if l, ok := asciiFoldLiterals(sy); ok && len(l) <= maxLiteralSet {
		asciiFold = l
	}
	ls, ok := required(sy)
	if !ok || len(ls.lits) == 0 || len(ls.lits) > maxLiteralSet {
		return prefilter{asciiFold: asciiFold}
	}
	for _, l := range ls.lits {
		if l == "" {
			return prefilter{asciiFold: asciiFold} // an empty literal is always there
		}
	}
	p := prefilter{lits: ls.lits, fold: ls.fold, asciiFold: asciiFold}
	// Exact and unanchored (no ^, $ or \b, which required treats as
	// empty): a literal found is a match. Only for case-sensitive sets:
	// lowercasing is not Unicode case folding.
	p.full = ls.exact && !ls.fold && !hasAssertion(sy)
	return p
}

// asciiFoldLiterals returns, lowercased, the literals of re when it is a
// case-insensitive ASCII literal or an alternation of them.
func asciiFoldLiterals(re *syntax.Regexp) ([]string, bool) {
	switch re.Op {
	case syntax.OpLiteral:
		if re.Flags&syntax.FoldCase == 0 || len(re.Rune) == 0 {
			return nil, false
		}
		for _, r := range re.Rune {
			if r >= utf8.RuneSelf {
				return nil, false
			}
		}
		return []string{strings.ToLower(string(re.Rune))}, true
	case syntax.OpCapture:
		return asciiFoldLiterals(re.Sub[0])
	case syntax.OpAlternate:
		var out []string
		for _, sub := range re.Sub {
			l, ok := asciiFoldLiterals(sub)
			if !ok {
				return nil, false
			}
			out = append(out, l...)
		}
		return out, true
	}
	return nil, false
}

// isASCII reports whether s is ASCII.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// required returns the literal set every match of re contains, or false
// when it finds none worth testing.
func required(re *syntax.Regexp) (litSet, bool) {
	switch re.Op {
	case syntax.OpLiteral:
		s := string(re.Rune)
		if re.Flags&syntax.FoldCase == 0 {
			return litSet{lits: []string{s}, exact: true}, true
		}
		l, ok := foldLiteral(s)
		if !ok {
			return litSet{}, false
		}
		// The longest part free of letters whose folding leaves ASCII is
		// required too, though no longer the whole match.
		return litSet{lits: []string{l}, fold: true, exact: l == strings.ToLower(s)}, true
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText, syntax.OpEndText,
		syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return litSet{lits: []string{""}, exact: true}, true
	case syntax.OpCapture:
		return required(re.Sub[0])
	case syntax.OpPlus:
		ls, ok := required(re.Sub[0])
		ls.exact = false
		return ls, ok
	case syntax.OpRepeat:
		if re.Min < 1 {
			return litSet{}, false
		}
		ls, ok := required(re.Sub[0])
		ls.exact = false
		return ls, ok
	case syntax.OpAlternate:
		var out litSet
		out.exact = true
		for i, sub := range re.Sub {
			ls, ok := required(sub)
			if !ok || i > 0 && ls.fold != out.fold {
				return litSet{}, false
			}
			out.fold = ls.fold
			out.exact = out.exact && ls.exact
			out.lits = append(out.lits, ls.lits...)
			if len(out.lits) > maxLiteralSet {
				return litSet{}, false
			}
		}
		slices.Sort(out.lits)
		out.lits = slices.Compact(out.lits)
		return out, true
	case syntax.OpConcat:
		return requiredConcat(re.Sub)
	}
	return litSet{}, false
}

// requiredConcat joins runs of exact parts (their cross product, while it
// stays small) and keeps the run whose shortest literal is longest.
func requiredConcat(subs []*syntax.Regexp) (litSet, bool) {
	var best litSet
	found := false
	consider := func(ls litSet) {
		if len(ls.lits) == 0 {
			return
		}
		if !found || shortest(ls.lits) > shortest(best.lits) {
			best, found = ls, true
		}
	}
	var run litSet
	inRun := false
	allExact := true
	for _, sub := range subs {
		ls, ok := required(sub)
		if !ok {
			allExact = false
			if inRun {
				consider(run)
				inRun = false
			}
			continue
		}
		if !ls.exact {
			allExact = false
			consider(ls)
			if inRun {
				consider(run)
				inRun = false
			}
			continue
		}
		if !inRun {
			run, inRun = ls, true
			continue
		}
		if ls.fold != run.fold || len(run.lits)*len(ls.lits) > maxLiteralSet {
			allExact = false
			consider(run)
			run = ls
			continue
		}
		var joined []string
		for _, a := range run.lits {
			for _, b := range ls.lits {
				joined = append(joined, a+b)
			}
		}
		run.lits = joined
	}
	if inRun {
		consider(run)
	}
	if !found {
		return litSet{}, false
	}
	best.exact = allExact && best.exact
	return best, true
}

func shortest(l []string) int {
	n := -1
	for _, s := range l {
		if n < 0 || len(s) < n {
			n = len(s)
		}
	}
	return n
}

// foldLiteral is the lowercased form of a case-insensitive literal to
// search the lowercased text for, cut to its longest part that lowercasing
// finds whatever the case: only ASCII, and no 'k' or 's', whose upper and
// lower case have non-ASCII equivalents under (?i) (K, ſ) that
// strings.ToLower does not turn into them. ok is false when no such part
// is at least two bytes long.
func foldLiteral(s string) (string, bool) {
	best, cur := "", 0
	l := strings.ToLower(s)
	for i := 0; i <= len(l); i++ {
		if i < len(l) {
			c := l[i]
			if c < utf8.RuneSelf && c != 'k' && c != 's' {
				continue
			}
		}
		if i-cur > len(best) {
			best = l[cur:i]
		}
		cur = i + 1
	}
	return best, len(best) >= 2
}

// hasAssertion reports whether re has an empty-width assertion (^, $, \b,
// \B), which a literal search does not check.
func hasAssertion(re *syntax.Regexp) bool {
	switch re.Op {
	case syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText, syntax.OpEndText,
		syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return true
	}
	return slices.ContainsFunc(re.Sub, hasAssertion)
}
