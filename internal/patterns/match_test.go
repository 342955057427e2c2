package patterns

import "testing"

// TestMatch: Match names a line with the pattern Add would give it, and
// changes nothing: counts, templates and later Adds are as without it.
func TestMatch(t *testing.T) {
	m := New(Config{})
	for _, l := range []string{
		"Connection reset by peer 10.0.0.1:4000",
		"Connection reset by peer 10.0.0.2:4001",
		"session opened for user root",
	} {
		m.Add(l)
	}
	before := m.Stats()
	tests := []struct {
		line     string
		wantTmpl string // "" : no pattern
	}{
		{"Connection reset by peer 10.9.9.9:1", "Connection reset by peer <*>"},
		{"session opened for user root", "session opened for user root"},
		{"session opened for user admin", ""}, // a variant: Add would start a pattern
		{"something else entirely here", ""},
	}
	for _, tt := range tests {
		p := m.Match(tt.line)
		got := ""
		if p != nil {
			got = p.Template()
		}
		if got != tt.wantTmpl {
			t.Errorf("Match(%q): got %q, want %q", tt.line, got, tt.wantTmpl)
		}
	}
	if after := m.Stats(); after != before {
		t.Errorf("stats changed by Match: got %+v, want %+v", after, before)
	}
	if p := m.Match("Connection reset by peer 10.9.9.9:1"); p.Count() != 2 {
		t.Errorf("count after Match: got %d, want 2", p.Count())
	}
}
