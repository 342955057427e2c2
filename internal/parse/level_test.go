package parse

import (
	"testing"

	"github.com/tailcast/tailcast/proto/logpb"
)

func TestParseLevel(t *testing.T) {
	tests := []struct {
		in   string
		want logpb.Level
		ok   bool
	}{
		{"INFO", info, true},
		{" Warning ", warn, true},
		{"err", erro, true},
		{"E", erro, true},
		{"crit", fatal, true},
		{"DPANIC", erro, true},
		{"notice", info, true},
		{"trace", trace, true},
		{"DEBUG", debug, true},
		{"unknown", unk, false},
		{"loud", unk, false},
		{"", unk, false},
		{"informationalxxx", unk, false},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, ok := ParseLevel(tc.in)
			if got != tc.want || ok != tc.ok {
				t.Errorf("got %v %v, want %v %v", got, ok, tc.want, tc.ok)
			}
		})
	}
	for l := unk; l <= fatal; l++ {
		if got, ok := ParseLevel(LevelName(l)); l != unk && (got != l || !ok) {
			t.Errorf("ParseLevel(LevelName(%v)): got %v %v, want %v true", l, got, ok, l)
		}
	}
	if got := LevelName(99); got != "unknown" {
		t.Errorf("LevelName(99): got %q, want unknown", got)
	}
}
