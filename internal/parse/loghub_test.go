package parse

import (
	"strings"
	"testing"
	"time"

	"github.com/tailcast/tailcast/internal/loghub"
	"github.com/tailcast/tailcast/proto/logpb"
)

// TestIntoLoghub runs every sample line of each loghub format and checks
// what every line of that format must yield.
func TestIntoLoghub(t *testing.T) {
	fixedNow(t, "2026-06-01T00:00:00Z")
	tests := []struct {
		file       string
		from, to   string // time range
		levelKnown bool
		msgPrefix  func(line string) int // where the message starts in line
	}{
		{"Android", "2026-03-17T00:00:00Z", "2026-03-18T00:00:00Z", true, func(l string) int { return 33 }},
		{"Apache", "2005-12-04T00:00:00Z", "2005-12-06T00:00:00Z", true, func(l string) int {
			return strings.Index(l, "] [") + 3 + strings.Index(l[strings.Index(l, "] [")+3:], "] ") + 2
		}},
		{"HDFS", "2008-11-09T00:00:00Z", "2008-11-12T00:00:00Z", true, func(l string) int { return strings.Index(l, " dfs.") + 1 }},
		{"OpenSSH", "2025-12-10T00:00:00Z", "2025-12-11T00:00:00Z", false, func(l string) int { return strings.Index(l, " sshd[") + 1 }},
		{"Spark", "2017-06-09T00:00:00Z", "2017-06-10T00:00:00Z", true, func(l string) int { return 19 + strings.IndexByte(l[18:], ' ') }},
		{"BGL", "2005-06-03T00:00:00Z", "2006-01-04T00:00:00Z", true, func(l string) int { return afterColumns(l, 9) }},
		{"HPC", "2003-08-06T00:00:00Z", "2006-04-28T00:00:00Z", false, func(l string) int { return afterColumns(l, 6) }},
		{"Proxifier", "2025-07-26T00:00:00Z", "2025-10-31T00:00:00Z", false, func(l string) int { return strings.Index(l, " - ") + 3 }},
		{"Windows", "2016-09-28T00:00:00Z", "2016-09-30T00:00:00Z", true, func(l string) int { return afterColumns(l, 4) }},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			lines := loghub.First(t, tc.file, -1)
			from, to := ts(t, tc.from), ts(t, tc.to)
			for n, line := range lines {
				var e logpb.LogEntry
				Into(&e, []byte(line))
				if e.TimeUnixNano < from || e.TimeUnixNano >= to {
					t.Errorf("line %d: time %s not in [%s, %s)", n+1, time.Unix(0, e.TimeUnixNano).UTC(), tc.from, tc.to)
				}
				if tc.levelKnown == (e.Level == unk) {
					t.Errorf("line %d: level %v, want known %v", n+1, e.Level, tc.levelKnown)
				}
				if want := strings.TrimSpace(line[tc.msgPrefix(line):]); e.Message != want {
					t.Errorf("line %d: message:\ngot  %q\nwant %q", n+1, e.Message, want)
				}
			}
		})
	}
}

// afterColumns is the index in l after its first n blank-separated columns.
func afterColumns(l string, n int) int {
	i := 0
	for range n {
		for i < len(l) && l[i] == ' ' {
			i++
		}
		for i < len(l) && l[i] != ' ' {
			i++
		}
	}
	return i
}
