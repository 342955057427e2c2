package patterns

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tailcast/tailcast/internal/loghub"
)

// FuzzMiner mines arbitrary lines, seeded with loghub lines and hostile
// shapes. Whatever the input: no panic, a template within the caps and
// valid UTF-8, an id that is the template's, and the same line mined again
// landing in the same pattern.
func FuzzMiner(f *testing.F) {
	for _, name := range loghub.Datasets {
		for _, l := range loghub.First(f, name, 10) {
			f.Add(l, l)
		}
	}
	for _, s := range []string{"", " ", `"unterminated`, `a="b c" d='e`, "\xff\xfe\xfd", "é\xc3", "<*> <*>", "-1 +2 -- ++ 0x", "=[](),;|\"'"} {
		f.Add(s, s+" 42")
	}
	cfg := Config{MaxTokens: 16, MaxLineBytes: 256, MaxPatterns: 8}
	full := cfg.withDefaults()
	f.Fuzz(func(t *testing.T, a, b string) {
		m := New(cfg)
		for _, line := range []string{a, b, a} {
			p := m.Add(line)
			tmpl := p.Template()
			if n := len(strings.Fields(tmpl)); n > full.MaxTokens {
				t.Fatalf("line %q: template of %d tokens, want at most %d", line, n, full.MaxTokens)
			}
			if !utf8.ValidString(tmpl) {
				t.Fatalf("line %q: template %q is not valid UTF-8", line, tmpl)
			}
			if p.ID() != ID(tmpl) {
				t.Fatalf("line %q: id %s, want ID(template) %s", line, p.ID(), ID(tmpl))
			}
			if again := m.Add(line); again != p {
				t.Fatalf("line %q: mined again got %q, want its pattern %q", line, again.Template(), tmpl)
			}
		}
		if st := m.Stats(); st.Patterns > full.MaxPatterns {
			t.Fatalf("patterns held: got %d, want at most %d", st.Patterns, full.MaxPatterns)
		}
	})
}
