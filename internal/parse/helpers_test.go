package parse

import (
	"strings"
	"testing"
	"time"

	"github.com/tailcast/tailcast/proto/logpb"
)

const (
	unk   = logpb.Level_LEVEL_UNKNOWN
	trace = logpb.Level_LEVEL_TRACE
	debug = logpb.Level_LEVEL_DEBUG
	info  = logpb.Level_LEVEL_INFO
	warn  = logpb.Level_LEVEL_WARN
	erro  = logpb.Level_LEVEL_ERROR
	fatal = logpb.Level_LEVEL_FATAL
)

// fixedNow pins the clock used for year inference for the duration of a
// test.
func fixedNow(t *testing.T, at string) {
	t.Helper()
	n, err := time.Parse(time.RFC3339, at)
	if err != nil {
		t.Fatal(err)
	}
	old := now
	now = func() time.Time { return n }
	t.Cleanup(func() { now = old })
}

// ts converts an RFC 3339 time to Unix nanoseconds; "" is 0.
func ts(t *testing.T, s string) int64 {
	t.Helper()
	if s == "" {
		return 0
	}
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return v.UnixNano()
}

type intoCase struct {
	name    string
	line    string
	time    string // RFC 3339, "" for none
	level   logpb.Level
	msg     string
	fields  string // fmtFields form
	service string
	host    string
}

// fmtFields renders fields as `k=v k:=json …` for compact expectations.
func fmtFields(fs []*logpb.Field) string {
	var b strings.Builder
	for i, f := range fs {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(f.Key)
		if f.Json {
			b.WriteByte(':')
		}
		b.WriteByte('=')
		b.WriteString(f.Value)
	}
	return b.String()
}

func runIntoCases(t *testing.T, cases []intoCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var e logpb.LogEntry
			Into(&e, []byte(tc.line))
			if want := ts(t, tc.time); e.TimeUnixNano != want {
				t.Errorf("time: got %s, want %s", time.Unix(0, e.TimeUnixNano).UTC().Format(time.RFC3339Nano), tc.time)
			}
			if e.Level != tc.level {
				t.Errorf("level: got %v, want %v", e.Level, tc.level)
			}
			if e.Message != tc.msg {
				t.Errorf("message:\ngot  %q\nwant %q", e.Message, tc.msg)
			}
			if got := fmtFields(e.Fields); got != tc.fields {
				t.Errorf("fields:\ngot  %s\nwant %s", got, tc.fields)
			}
			if e.Service != tc.service {
				t.Errorf("service: got %q, want %q", e.Service, tc.service)
			}
			if e.Host != tc.host {
				t.Errorf("host: got %q, want %q", e.Host, tc.host)
			}
		})
	}
}
