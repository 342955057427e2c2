package collector

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tailcast/tailcast/internal/kafkatest"
	"github.com/tailcast/tailcast/internal/wait"
)

// TestMultilineWait: an entry the file ends on (newline included) is sent
// after MultilineWait, whole, without waiting for the next line or for
// FlushTimeout (a minute here); a last line without its newline still
// waits, and so does the entry before it, which that line may continue.
func TestMultilineWait(t *testing.T) {
	trace := strings.Join([]string{
		"2026-01-02 15:04:05,000 ERROR request failed",
		"java.lang.IllegalStateException: boom",
		"\tat com.example.Foo.bar(Foo.java:10)",
		"Caused by: java.io.IOException: disk full",
		"\t... 2 more",
	}, "\n")
	b := kafkatest.Start(t, "logs", 1)
	r := readTopic(t, b.Addr(), "logs")
	path := filepath.Join(t.TempDir(), "app.log")
	appendFile(t, path, "")
	cfg := testConfig(b.Addr(), Input{Pattern: path})
	cfg.FlushTimeout = time.Minute
	cfg.MultilineWait = 20 * time.Millisecond
	c := startWatching(t, cfg)

	steps := []struct {
		name  string
		write string
		want  []string // raws expected on the topic after the write, in order
	}{
		{"stack trace in one write", trace + "\n", []string{trace}},
		{"single line", "2026-01-02 15:04:06,000 INFO next\n", []string{"2026-01-02 15:04:06,000 INFO next"}},
		{"continuation after the wait is its own entry", "\tat late.Frame(X.java:1)\n", []string{"\tat late.Frame(X.java:1)"}},
	}
	have := 0
	for _, st := range steps {
		appendFile(t, path, st.write)
		recs := r.waitN(t, have+len(st.want), 5*time.Second)
		for i, want := range st.want {
			if got := string(recs[have+i].e.Raw); got != want {
				t.Fatalf("%s: entry %d: got %q, want %q", st.name, i, got, want)
			}
		}
		have += len(st.want)
	}

	// "held" may yet be continued by the line being written: neither is
	// sent before FlushTimeout. Both are read once the newline comes.
	appendFile(t, path, "2026-01-02 15:04:07,000 INFO held\n\tpartial")
	wait.For(t, 5*time.Second, "lines read", func() bool { return c.Stats().LinesRead == 8 })
	// Ten times MultilineWait: had the settled-entry rule applied, "held"
	// would have been sent by then.
	for end := time.Now().Add(10 * cfg.MultilineWait); time.Now().Before(end); time.Sleep(5 * time.Millisecond) {
		if got := c.Stats().EntriesSent; got != int64(have) {
			t.Fatalf("got %d entries sent while the last line is unterminated, want %d", got, have)
		}
	}
	appendFile(t, path, " frame\n")
	recs := r.waitN(t, have+1, 5*time.Second)
	if got, want := string(recs[have].e.Raw), "2026-01-02 15:04:07,000 INFO held\n\tpartial frame"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}
