package pusher

import (
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/tailcast/tailcast/internal/loghub"
)

// prefilterRes are regular expressions of every shape the literal
// extraction handles, and some it must give up on.
var prefilterRes = []string{
	`timeout`, `(?i)timeout`, `(?i)TOKEN expired`, `(?i)sshd|kernel`, `Receiving block`, `blk_-?\d+`,
	`PacketResponder \d+ for block`, `(GET|POST) /\S+`, `error|warn|fail`, `(?i)(error|warn|fail)`,
	`^\d+ \d+`, `\bpanic\b`, `^INFO`, `closed$`, `a+b`, `(ab)+c`, `x{2,5}y`, `(?:Verification|Accepted) \w+`,
	`Failed password for (invalid user )?\w+`, `[Ee]rror`, `.*`, `a|`, `(foo)?bar`, `(?i)ſ`, `(?i)kernel`,
	`(?i)K`, `\.`, `jk\.ops`, `(a|b)(c|d)(e|f)`, `user (alice|bob|carol)`, `(?s)x.y`, `\x00`, `é+`, `(?i)é`,
	`session (opened|closed) for user root`, `(?i)s`, `ab|cd|ef|gh|ij|kl|mn|op|qr|st|uv|wx|yz|AB|CD|EF|GH`,
}

// TestPrefilterNeverRejectsAMatch: over real log lines (loghub) and
// their variants in other cases, whenever the prefilter rejects a line the
// regular expression does not match it, and when the prefilter says
// "full", a hit is a match.
func TestPrefilterNeverRejectsAMatch(t *testing.T) {
	var lines []string
	for _, ds := range []string{"HDFS", "Apache", "OpenSSH", "Linux", "Android"} {
		if !slices.Contains(loghub.Datasets, ds) {
			continue
		}
		for _, l := range loghub.First(t, ds, 150) {
			lines = append(lines, l, strings.ToUpper(l), strings.ToLower(l))
		}
	}
	lines = append(lines, "", "ſ", "K", "KERNEL", "session opened for user root", "jk.ops", "x\ny", "ace", "bdf", "xxy")
	rng := rand.New(rand.NewPCG(1, 2))
	res := slices.Clone(prefilterRes)
	// Random expressions built from the table's pieces.
	for range 120 {
		a, b := prefilterRes[rng.IntN(len(prefilterRes))], prefilterRes[rng.IntN(len(prefilterRes))]
		switch rng.IntN(3) {
		case 0:
			res = append(res, "(?:"+a+")(?:"+b+")")
		case 1:
			res = append(res, "(?:"+a+")|(?:"+b+")")
		default:
			res = append(res, "(?:"+a+")+")
		}
	}
	res = append(res, `[^Q]{0,200}[^Q]{0,200}Q`) // costly: not combined
	rejected, full := 0, 0
	for _, re := range res {
		rx, err := regexp.Compile(re)
		if err != nil {
			t.Fatalf("%s: %v", re, err)
		}
		p := newPrefilter(re)
		for _, l := range lines {
			var ps partState
			lt := ps.lower(l)
			pass, match := p.pass(l, lt), rx.MatchString(l)
			if !pass {
				rejected++
				if match {
					t.Errorf("re %q, line %q: prefilter %q (fold %v) rejects it, want passed: the expression matches", re, l, p.lits, p.fold)
				}
			}
			if p.full && pass {
				full++
				if !match {
					t.Errorf("re %q, line %q: prefilter says a hit is a match, but the expression does not match", re, l)
				}
			}
		}
	}
	if rejected == 0 || full == 0 {
		t.Errorf("rejected %d, full hits %d: want both, or the test shows nothing", rejected, full)
	}
}

func TestPrefilterLiterals(t *testing.T) {
	tests := []struct {
		re   string
		lits []string
		fold bool
		full bool
	}{
		{`timeout`, []string{"timeout"}, false, true},
		{`timeout|refused`, []string{"refused", "timeout"}, false, true},
		{`(?i)timeout`, []string{"timeout"}, true, false},
		{`(?i)token expired`, []string{"en expired"}, true, false}, // k has a non-ASCII fold (K)
		{`slow query on table \w+`, []string{"slow query on table "}, false, false},
		{`user (alice|bob)`, []string{"user alice", "user bob"}, false, true},
		{`^ERROR`, []string{"ERROR"}, false, false},
		{`served in [0-9]{3,}ms`, []string{"served in "}, false, false},
		{`a+b`, []string{"a"}, false, false},
		{`.*`, nil, false, false},
		{`(foo)?bar`, []string{"bar"}, false, false},
		{`a|`, nil, false, false},
		{`[^Q]{0,200}[^Q]{0,200}Q`, []string{"Q"}, false, false},
		{`[^Q]{0,200}[^Q]{0,200}[QX]`, nil, false, false},
	}
	for _, tt := range tests {
		p := newPrefilter(tt.re)
		if !slices.Equal(p.lits, tt.lits) || p.fold != tt.fold || p.full != tt.full {
			t.Errorf("%s: got %q fold %v full %v, want %q fold %v full %v", tt.re, p.lits, p.fold, p.full, tt.lits, tt.fold, tt.full)
		}
	}
}
