package pusher

import (
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/tailcast/tailcast/internal/loghub"
	"github.com/tailcast/tailcast/proto/logpb"
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

// TestRunReASCIIFold: a case-insensitive ASCII literal or alternation of
// them is decided by a search of the lowercased message when the message
// is ASCII, and by the expression otherwise; either way as the expression
// decides it, including in other cases, next to field values that hold
// the literal, with Kelvin signs and long s (which fold to k and s), and
// past the part the expression looks at.
func TestRunReASCIIFold(t *testing.T) {
	tests := []struct {
		re    string
		fold  bool // asciiFold is set
		msg   string
		field string
	}{
		{`(?i)PANIC recovered`, true, "panic recovered in handler", ""},
		{`(?i)PANIC recovered`, true, "PaNiC ReCoVeReD", ""},
		{`(?i)PANIC recovered`, true, "panic recover", ""},
		{`(?i)PANIC recovered`, true, "nothing here", "PANIC recovered"},
		{`(?i)token expired`, true, "TOKEN EXPIRED for user", ""},
		{`(?i)token expired`, true, "to\u212aen expired", ""}, // Kelvin sign: the expression matches
		{`(?i)token expired`, true, "to\u212aen expired", "token expired"},
		{`(?i)session`, true, "\u017fession", ""}, // long s
		{`(?i)session`, true, "Session ok \u00e9", ""},
		{`(?i)(timeout|refused)`, true, "connection REFUSED", ""},
		{`(?i)timeout|(?i)refused`, true, "a TimeOut", ""},
		{`(?i)timeout|refused`, true, "REFUSED", ""},
		{`(?i)timeout|refused`, true, "refused", ""},
		{`(?i)caf\x{e9}`, false, "CAFÉ", ""},
		{`(?i)timeout|Refused`, true, "REFUSED", ""},
		{`timeout|(?-i)Refused`, false, "refused", ""},
		{`(?i)^panic`, false, "PANIC at start", ""},
		{`(?i)panic \w+`, false, "PANIC now", ""},
		{`(?i)needle`, true, strings.Repeat("x", 300*1024) + "NEEDLE", ""},
	}
	for _, tt := range tests {
		f, err := filterSpec{re: tt.re}.compile()
		if err != nil {
			t.Fatalf("%s: %v", tt.re, err)
		}
		if got := f.pre.asciiFold != nil; got != tt.fold {
			t.Errorf("%s: got asciiFold %q, want set %v", tt.re, f.pre.asciiFold, tt.fold)
		}
		e := entry("api", "web-1", lInfo, tt.msg)
		if tt.field != "" {
			e.Fields = []*logpb.Field{{Key: "k", Value: tt.field}}
		}
		var p partState
		lt := p.lowerText(e)
		want := f.re.MatchString(tt.msg[:min(len(tt.msg), f.reLen)])
		if got := f.runRe(tt.msg, lt); got != want {
			t.Errorf("%s on %.40q (field %q): got %v, want %v (the expression)", tt.re, tt.msg, tt.field, got, want)
		}
		if got := f.match(e.Service, e.Host, e.Level, e.Message, lt, e.Fields, ""); got != want {
			t.Errorf("%s on %.40q (field %q): match got %v, want %v", tt.re, tt.msg, tt.field, got, want)
		}
	}
}

// TestRunReASCIIFoldRandomized compares runRe with the expression on
// random ASCII texts made of the literals' letters in random case.
func TestRunReASCIIFoldRandomized(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, re := range []string{`(?i)PANIC recovered`, `(?i)token expired`, `(?i)(abc|cab)`, `(?i)ks|sk`} {
		f, err := filterSpec{re: re}.compile()
		if err != nil || f.pre.asciiFold == nil {
			t.Fatalf("%s: %v, asciiFold %q: want it set", re, err, f.pre.asciiFold)
		}
		alpha := strings.ToLower(re[4:]) + strings.ToUpper(re[4:]) + " x."
		matched := 0
		for range 2000 {
			b := make([]byte, rng.IntN(40))
			for i := range b {
				b[i] = alpha[rng.IntN(len(alpha))]
			}
			msg := string(b)
			if rng.IntN(3) == 0 { // a variant of the literal in it
				l := []byte(f.pre.asciiFold[0])
				for i := range l {
					if rng.IntN(2) == 0 {
						l[i] = strings.ToUpper(string(l[i]))[0]
					}
				}
				msg = msg[:len(msg)/2] + string(l) + msg[len(msg)/2:]
			}
			var p partState
			lt := p.lowerText(entry("api", "web-1", lInfo, msg))
			want := f.re.MatchString(msg)
			if got := f.runRe(msg, lt); got != want {
				t.Fatalf("%s on %q: got %v, want %v", re, msg, got, want)
			}
			if want {
				matched++
			}
		}
		if matched < 100 {
			t.Errorf("%s: %d of 2000 texts matched, want many", re, matched)
		}
	}
}
