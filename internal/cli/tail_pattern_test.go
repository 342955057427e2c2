package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/tailcast/tailcast/internal/loghub"
	"github.com/tailcast/tailcast/internal/wait"
)

// jsonEntries are the entries of -o json output, with their pattern.
type jsonEntry struct {
	Type    string `json:"type"`
	Msg     string `json:"msg"`
	Pattern string `json:"pattern"`
}

func jsonEntries(t *testing.T, out string) []jsonEntry {
	t.Helper()
	var es []jsonEntry
	for l := range strings.Lines(out) {
		var e jsonEntry
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatalf("decode %q: %v", l, err)
		}
		if e.Type == "entry" {
			es = append(es, e)
		}
	}
	return es
}

// TestTailPattern: -o json carries each entry's pattern, and --pattern and
// --not-pattern (repeatable) print exactly the entries of those patterns,
// and exactly the others.
func TestTailPattern(t *testing.T) {
	dir := t.TempDir()
	logs := filepath.Join(dir, "logs")
	if err := os.MkdirAll(logs, 0o755); err != nil {
		t.Fatal(err)
	}
	srv := start(t, true, runArgs(dir)...)
	lines := loghub.First(t, "OpenSSH", 60)
	appendLines(t, filepath.Join(logs, "sshd.log"), lines...)

	all := startTail(t, srv.url, "-o", "json", "--backfill", "1000")
	wait.For(t, waitFor, "every line in -o json", func() bool {
		return strings.Count(all.stdout.String(), `"type":"entry"`) == len(lines)
	})
	es := jsonEntries(t, all.stdout.String())
	hex := regexp.MustCompile(`^[0-9a-f]{16}$`)
	count := map[string]int{}
	for _, e := range es {
		if !hex.MatchString(e.Pattern) {
			t.Fatalf("-o json: entry %q has pattern %q, want 16 hex digits", e.Msg, e.Pattern)
		}
		count[e.Pattern]++
	}
	// The two most frequent patterns.
	ids := make([]string, 0, len(count))
	for id := range count {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b string) int { return count[b] - count[a] })
	if len(ids) < 3 {
		t.Fatalf("got %d patterns over %d OpenSSH lines, want at least 3", len(ids), len(lines))
	}
	a, b := ids[0], ids[1]
	msgs := func(keep func(string) bool) []string {
		var out []string
		for _, e := range es {
			if keep(e.Pattern) {
				out = append(out, e.Msg)
			}
		}
		return out
	}

	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"--pattern", []string{"--pattern", a}, msgs(func(p string) bool { return p == a })},
		{"--pattern twice", []string{"--pattern", a, "--pattern", b}, msgs(func(p string) bool { return p == a || p == b })},
		{"--not-pattern", []string{"--not-pattern", a}, msgs(func(p string) bool { return p != a })},
		{"--not-pattern twice", []string{"--not-pattern", a, "--not-pattern", b}, msgs(func(p string) bool { return p != a && p != b })},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := startTail(t, append([]string{srv.url, "-o", "json", "--backfill", "1000"}, tt.args...)...)
			wait.For(t, waitFor, "the matching lines", func() bool {
				return strings.Count(r.stdout.String(), `"type":"entry"`) >= len(tt.want)
			})
			var got []string
			for _, e := range jsonEntries(t, r.stdout.String()) {
				got = append(got, e.Msg)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %d entries %q, want %d %q", len(got), got, len(tt.want), tt.want)
			}
		})
	}
}

func TestTailPatternInvalid(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--pattern", "xyz"}, `pattern "xyz"`},
		{[]string{"--not-pattern", "0123456789ABCDEF"}, `not-pattern "0123456789ABCDEF"`},
	}
	for _, tt := range tests {
		r := startTail(t, append([]string{"http://127.0.0.1:1"}, tt.args...)...)
		if err := r.wait(t); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: got %v, want an error naming %s", tt.args, err, tt.want)
		}
	}
}
