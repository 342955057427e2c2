package parse

import (
	"testing"
	"time"

	"github.com/tailcast/tailcast/proto/logpb"
)

func TestInferredYear(t *testing.T) {
	tests := []struct {
		now, line, want string
	}{
		{"2026-06-01T00:00:00Z", "Dec 10 06:55:46 h a: x", "2025-12-10T06:55:46Z"},
		{"2026-12-31T00:00:00Z", "Dec 10 06:55:46 h a: x", "2026-12-10T06:55:46Z"},
		{"2026-01-01T00:10:00Z", "Dec 31 23:59:59 h a: x", "2025-12-31T23:59:59Z"},
		{"2026-01-01T00:10:00Z", "Jan  1 20:00:00 h a: x", "2026-01-01T20:00:00Z"}, // a few hours ahead: zone skew
		{"2026-06-01T00:00:00Z", "Feb 29 12:00:00 h a: x", "2024-02-29T12:00:00Z"},
		{"2028-03-01T00:00:00Z", "02-29 12:00:00.000  1  2 I T: x", "2028-02-29T12:00:00Z"},
	}
	for _, tc := range tests {
		t.Run(tc.now+" "+tc.line, func(t *testing.T) {
			fixedNow(t, tc.now)
			var e logpb.LogEntry
			Into(&e, []byte(tc.line))
			if got := time.Unix(0, e.TimeUnixNano).UTC().Format(time.RFC3339Nano); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}

func TestUnixNumber(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"1767366245", 1767366245e9, true},
		{"1767366245.5", 1767366245500000000, true},
		{"1767366245123", 1767366245123e6, true},
		{"1767366245123.5", 1767366245123500000, true},
		{"1767366245123456", 1767366245123456e3, true},
		{"1767366245123456789", 1767366245123456789, true},
		{"0", 0, true},
		{"99999999999999999999", 0, false},
		{"-5", 0, false},
		{"1.", 0, false},
		{"1e9", 0, false},
		{"", 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, ok := unixNumber(tc.in)
			if got != tc.want || ok != tc.ok {
				t.Errorf("got %d %v, want %d %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}
