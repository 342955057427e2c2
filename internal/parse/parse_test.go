package parse

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tailcast/tailcast/internal/loghub"
	"github.com/tailcast/tailcast/proto/logpb"
)

func TestIntoInvalidUTF8(t *testing.T) {
	tests := []struct {
		name, line, msg, fields string
	}{
		{"plain", "2026-01-02 15:04:05 INFO caf\xc3\x28 \xff ok", "caf\uFFFD( \uFFFD ok", ""},
		{"json", "{\"msg\":\"a\xffb\",\"k\xfe\":\"v\xc0\"}", "a\uFFFDb", "k\uFFFD=v\uFFFD"},
		{"unknown", "\xff\xfe plain", "\uFFFD plain", ""}, // ToValidUTF8 merges a run of invalid bytes
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var e logpb.LogEntry
			Into(&e, []byte(tc.line))
			if e.Message != tc.msg {
				t.Errorf("message: got %q, want %q", e.Message, tc.msg)
			}
			if got := fmtFields(e.Fields); got != tc.fields {
				t.Errorf("fields: got %q, want %q", got, tc.fields)
			}
		})
	}
}

func TestIntoReplacesParsedAndKeepsSourceFields(t *testing.T) {
	e := logpb.LogEntry{
		Raw: []byte("raw"), Source: "/var/log/app.log", Host: "h", FileId: "f", Offset: 42,
		TimeUnixNano: 7, Level: erro, Message: "old", Fields: []*logpb.Field{{Key: "old"}},
	}
	Into(&e, []byte("hello"))
	if e.TimeUnixNano != 0 || e.Level != unk || e.Message != "hello" || len(e.Fields) != 0 {
		t.Errorf("got time %d level %v message %q fields %v, want 0 unknown \"hello\" none", e.TimeUnixNano, e.Level, e.Message, e.Fields)
	}
	if string(e.Raw) != "raw" || e.Source != "/var/log/app.log" || e.Host != "h" || e.FileId != "f" || e.Offset != 42 {
		t.Errorf("source fields changed: %v", &e)
	}
}

func TestIntoNoCopy(t *testing.T) {
	lines := []string{
		`{"ts":"2026-01-02T15:04:05Z","level":"warn","msg":"slow","route":"/a","ms":12}`,
		`ts=2026-01-02T15:04:05Z level=info msg=ok route=/b`,
		`2026-01-02 15:04:05,000 ERROR plain line`,
	}
	for _, line := range lines {
		t.Run(line[:12], func(t *testing.T) {
			var want, got logpb.LogEntry
			Into(&want, []byte(line))
			buf := []byte(line)
			IntoNoCopy(&got, buf)
			if got.Message != want.Message || fmtFields(got.Fields) != fmtFields(want.Fields) || got.Level != want.Level || got.TimeUnixNano != want.TimeUnixNano {
				t.Fatalf("got %v, want %v", &got, &want)
			}
			// Into copies; IntoNoCopy aliases the line.
			copied := want.Message
			Into(&want, buf)
			for i := range buf {
				buf[i] = 'x'
			}
			if want.Message != copied {
				t.Errorf("Into: message changed with the line: got %q, want %q", want.Message, copied)
			}
			if got.Message == copied {
				t.Errorf("IntoNoCopy: message %q did not change with the line", got.Message)
			}
			// Parsing again into the same entry reuses its fields.
			buf = []byte(line)
			if n := testing.AllocsPerRun(100, func() { IntoNoCopy(&got, buf) }); n != 0 {
				t.Errorf("allocations per IntoNoCopy into a reused entry: got %v, want 0", n)
			}
		})
	}
}

func FuzzInto(f *testing.F) {
	for _, file := range loghub.Datasets {
		for _, l := range loghub.First(f, file, 10) {
			f.Add([]byte(l))
		}
	}
	for _, l := range benchLines {
		f.Add([]byte(l.line))
	}
	f.Add([]byte("{\"msg\":\"a\\ud800\",\"x\":[1,{\"y\":null}]}\n\tat x"))
	f.Add([]byte("<165>1 2003-10-11T22:14:15.003Z h a - ID47 [a b=\"\\]\"] \xef\xbb\xbfmsg"))
	f.Fuzz(func(t *testing.T, line []byte) {
		var e logpb.LogEntry
		Into(&e, line)
		if !utf8.ValidString(e.Message) {
			t.Fatalf("message not valid UTF-8: %q", e.Message)
		}
		if e.Level < unk || e.Level > fatal {
			t.Fatalf("level out of range: %v", e.Level)
		}
		if !utf8.ValidString(e.Service) {
			t.Fatalf("service not valid UTF-8: %q", e.Service)
		}
		for _, fl := range e.Fields {
			if !utf8.ValidString(fl.Key) || !utf8.ValidString(fl.Value) {
				t.Fatalf("field not valid UTF-8: %q=%q", fl.Key, fl.Value)
			}
		}
		if len(e.Message) > 3*len(line)+8 {
			t.Fatalf("message grew: %d bytes from a %d-byte line", len(e.Message), len(line))
		}
	})
}

// TestFieldsOneAllocation: a fresh entry's fields cost one allocation (pointers and structs together), and an entry parsed again
// with more fields than its block holds still gets every one.
func TestFieldsOneAllocation(t *testing.T) {
	line := func(n int) []byte {
		var b strings.Builder
		b.WriteString("level=info msg=ok")
		for i := range n {
			fmt.Fprintf(&b, " k%d=v%d", i, i)
		}
		return []byte(b.String())
	}
	for _, n := range []int{1, 2, 3, 4, 5, 8, 9, 14, 16, 17, 40} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			buf := line(n)
			// Past 14 fields the line's level and msg overflow the
			// parser's array too; the count is then not the fields' alone.
			if got := testing.AllocsPerRun(50, func() { IntoNoCopy(&logpb.LogEntry{}, buf) }); n <= 14 && got != 2 { // 2: the entry, the fields
				t.Errorf("got %v allocations for %d fields, want 1 and the entry's", got-1, n)
			}
			var e logpb.LogEntry
			IntoNoCopy(&e, line(1))
			IntoNoCopy(&e, buf)
			if len(e.Fields) != n {
				t.Fatalf("got %d fields, want %d", len(e.Fields), n)
			}
			for i, f := range e.Fields {
				if wk, wv := fmt.Sprintf("k%d", i), fmt.Sprintf("v%d", i); f.Key != wk || f.Value != wv {
					t.Errorf("field %d: got %s=%s, want %s=%s", i, f.Key, f.Value, wk, wv)
				}
			}
		})
	}
}
