package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tailcast/tailcast/internal/client"
)

// TestTailHistory runs the real pipeline (collector, embedded broker,
// consumer, pusher) and `tailcast tail` with a time range, field filters
// and context: each prints what it asked for and exits 0 at the end.
func TestTailHistory(t *testing.T) {
	dir := t.TempDir()
	logs := filepath.Join(dir, "logs")
	if err := os.MkdirAll(logs, 0o755); err != nil {
		t.Fatal(err)
	}
	srv := start(t, true, runArgs(dir)...)
	lines := map[string]string{ // by message; -o raw prints the lines as written
		"a": `{"level":"info","msg":"a ok","status":200,"user":"alice"}`,
		"b": `{"level":"error","msg":"b failed","status":503,"user":"alice"}`,
		"c": `level=error msg="c failed" status=500 user=bob`,
		"d": `{"level":"warn","msg":"d slow","status":200,"latency_ms":1500,"user":"carol"}`,
		"e": `level=error msg="e failed" status=502 user=alice`,
	}
	appendLines(t, filepath.Join(logs, "api.log"), lines["a"], lines["b"], lines["c"], lines["d"], lines["e"])
	want := func(keys ...string) string {
		var b strings.Builder
		for _, k := range keys {
			b.WriteString(lines[k] + "\n")
		}
		return b.String()
	}
	// Once live clients have seen all five, Kafka holds them.
	c := dial(t, srv.url, client.Options{})
	defer c.Close()
	ms := collect(t, c, 5)
	cursors := map[string]string{}
	for _, m := range ms {
		cursors[m.Msg] = m.Cursor
	}

	tests := []struct {
		name string
		args []string
		want string
	}{
		{"range", []string{"--from", "1h", "--to", "0s"}, want("a", "b", "c", "d", "e")},
		{"where, numeric and string", []string{"--from", "1h", "--to", "0s", "--where", "status>=500", "--where", "user!=bob"}, want("b", "e")},
		{"where, numbers as numbers", []string{"--from", "1h", "--to", "0s", "--where", "latency_ms>1000"}, want("d")},
		{"where with a comma in a regexp", []string{"--from", "1h", "--to", "0s", "--where", "user~^(al){1,2}ice$"}, want("a", "b", "e")},
		{"newest", []string{"--from", "1h", "--to", "0s", "--limit", "2", "--newest"}, want("d", "e")},
		{"around", []string{"--around", cursors["c failed"], "-B", "1", "-A", "1"}, want("b", "c", "d")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := startTail(t, append([]string{srv.url, "-o", "raw"}, tt.args...)...)
			if err := r.wait(t); err != nil {
				t.Fatalf("tail %v: got %v, want exit 0 at the end\n%s", tt.args, err, r.stderr)
			}
			if got := r.stdout.String(); got != tt.want {
				t.Errorf("tail %v: got %q, want %q", tt.args, got, tt.want)
			}
			if !strings.Contains(r.stderr.String(), "-- end: ") {
				t.Errorf("stderr: got %q, want the end notice", r.stderr)
			}
		})
	}

	r := startTail(t, srv.url, "--where", "status>=lots")
	if err := r.wait(t); err == nil || !strings.Contains(err.Error(), "not a number") {
		t.Errorf("bad where: got %v, want the server's reason", err)
	}
	srv.stop(t)
}
