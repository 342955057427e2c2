package client

import (
	"strings"
	"testing"
)

func TestCloseErrorText(t *testing.T) {
	tests := []struct {
		code      int
		want      string
		permanent bool
	}{
		{1001, "going away (1001)", false},
		{1008, "policy violation (1008)", false},
		{4000, "idle timeout (4000)", false},
		{1002, "protocol error (1002)", true},
		{4999, "close (4999)", false},
	}
	for _, tt := range tests {
		err := &CloseError{Code: tt.code, Reason: "why"}
		if got := err.Error(); !strings.Contains(got, tt.want) || !strings.HasSuffix(got, ": why") {
			t.Errorf("code %d: got %q, want it to name %q and the reason", tt.code, got, tt.want)
		}
		if got := Permanent(err); got != tt.permanent {
			t.Errorf("code %d: Permanent got %v, want %v", tt.code, got, tt.permanent)
		}
	}
}
