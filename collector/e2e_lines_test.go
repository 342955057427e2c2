package collector

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tailcast/tailcast/internal/kafkatest"
	"github.com/tailcast/tailcast/internal/wait"
	"github.com/tailcast/tailcast/proto/logpb"
)

// TestLinesByteForByte: lines with CRLF and LF endings, trailing blanks,
// invalid UTF-8, a multiline Java trace and a 2 MiB line go through the
// collector to a real broker; every record's value is the entry's text
// byte for byte (kcat -f '%s\n' prints the entries back), the cut one is
// marked, and the consumer parses every one.
func TestLinesByteForByte(t *testing.T) {
	// The file's lines, and the entries they must become: each entry's
	// text as it is in the file, without its terminator ("\n" or "\r\n");
	// a multiline entry keeps its inner line ends as written; the 2 MiB
	// line is cut at MaxLineBytes and marked. (Inside the test: package
	// variables would sit in every benchmark's heap.)
	const linesMax = 512 << 10
	big := strings.Repeat("0123456789abcdef", (2<<20)/16)
	linesFile := []string{
		"2026-01-02T15:04:05.000Z INFO crlf line\r\n",
		"lf line with trailing spaces   \n",
		"\tindented: joins the entry before it, as a continuation\n",
		"invalid utf-8 \xff\xfe\xfd end\n",
		"2026-01-02 15:04:05,123 ERROR [main] c.e.App - boom\r\n",
		"java.lang.IllegalStateException: bad\r\n",
		"\tat com.example.App.run(App.java:10)\r\n",
		"\tat java.base/java.lang.Thread.run(Thread.java:833)\r\n",
		big + "\n",
		"after the big one\t \n",
	}
	linesWant := []struct {
		text  string
		cut   bool
		level logpb.Level
	}{
		{"2026-01-02T15:04:05.000Z INFO crlf line", false, logpb.Level_LEVEL_INFO},
		{"lf line with trailing spaces   \n\tindented: joins the entry before it, as a continuation", false, logpb.Level_LEVEL_UNKNOWN},
		{"invalid utf-8 \xff\xfe\xfd end", false, logpb.Level_LEVEL_UNKNOWN},
		{"2026-01-02 15:04:05,123 ERROR [main] c.e.App - boom\r\njava.lang.IllegalStateException: bad\r\n\tat com.example.App.run(App.java:10)\r\n\tat java.base/java.lang.Thread.run(Thread.java:833)", false, logpb.Level_LEVEL_ERROR},
		{big[:linesMax], true, logpb.Level_LEVEL_UNKNOWN},
		{"after the big one\t ", false, logpb.Level_LEVEL_UNKNOWN},
	}

	kcat, err := exec.LookPath("kcat")
	if err != nil {
		t.Skip("kcat not installed")
	}
	b := kafkatest.Start(t, "logs", 1)
	path := filepath.Join(t.TempDir(), "app.log")
	appendFile(t, path, "")
	r := readTopic(t, b.Addr(), "logs")
	cfg := testConfig(b.Addr(), Input{Pattern: path, Service: "shop"})
	cfg.MaxLineBytes = linesMax
	c := startWatching(t, cfg)
	for _, l := range linesFile {
		appendFile(t, path, l)
	}
	recs := r.waitN(t, len(linesWant), 20*time.Second)
	if len(recs) != len(linesWant) {
		t.Fatalf("got %d records, want %d", len(recs), len(linesWant))
	}
	for i, w := range linesWant {
		rec := recs[i]
		if !bytes.Equal(rec.value, []byte(w.text)) {
			t.Errorf("record %d: got value of %d bytes %.60q, want %d bytes %.60q", i, len(rec.value), rec.value, len(w.text), w.text)
		}
		if !bytes.Equal(rec.e.Raw, []byte(w.text)) {
			t.Errorf("record %d: got decoded raw %.60q, want the value", i, rec.e.Raw)
		}
		if got := rec.headers["cut"] == "1"; got != w.cut || rec.e.Truncated != w.cut {
			t.Errorf("record %d: got cut header %v, truncated %v, want %v", i, got, rec.e.Truncated, w.cut)
		}
		if rec.e.Level != w.level || rec.e.Service != "shop" || rec.e.Host != "testhost" || rec.e.Source != path {
			t.Errorf("record %d: got level %v service %q host %q source %q, want %v shop testhost %s", i, rec.e.Level, rec.e.Service, rec.e.Host, rec.e.Source, w.level, path)
		}
	}
	if got := c.Stats().LinesTruncated; got != 1 {
		t.Errorf("got %d lines truncated, want 1", got)
	}

	// Any Kafka client reads the lines without tailcast's schema.
	var want bytes.Buffer
	for _, w := range linesWant {
		want.WriteString(w.text + "\n")
	}
	var out []byte
	wait.For(t, 20*time.Second, "kcat to read every record", func() bool {
		cmd := exec.Command(kcat, "-C", "-q", "-b", b.Addr(), "-t", "logs", "-p", "0", "-o", "beginning", "-e", "-f", "%s\n")
		out, err = cmd.Output()
		return err == nil && len(out) >= want.Len()
	})
	if !bytes.Equal(out, want.Bytes()) {
		t.Errorf("kcat printed %d bytes, want %d: the entries byte for byte, one per line", len(out), want.Len())
	}
}
