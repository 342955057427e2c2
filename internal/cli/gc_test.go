package cli

import "testing"

func TestGCLimit(t *testing.T) {
	const mib = 1 << 20
	tests := []struct {
		name           string
		buffered, rate int64
		want           int64
	}{
		{"idle", 0, 0, 30 * mib},
		{"backlog counts twice", 10 * mib, 0, 50 * mib},
		{"a thousand quiet files", 0, 130 << 10, 30*mib + 130<<10},
		{"full speed", 4 * mib, 40 * mib, 78 * mib},
		{"rate term is capped", 0, 1 << 30, 126 * mib},
		{"negative rate ignored", 0, -5, 30 * mib},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := gcLimit(tt.buffered, tt.rate); got != tt.want {
				t.Errorf("gcLimit(%d, %d): got %d, want %d", tt.buffered, tt.rate, got, tt.want)
			}
		})
	}
}
