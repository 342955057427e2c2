package httpserve

import "testing"

func TestOpenWarning(t *testing.T) {
	tests := []struct {
		listen, token string
		warn          bool
	}{
		{"127.0.0.1:8080", "", false},
		{"127.0.0.2:8080", "", false},
		{"[::1]:8080", "", false},
		{"localhost:8080", "", false},
		{":8080", "", true},
		{"0.0.0.0:8080", "", true},
		{"[::]:8080", "", true},
		{"10.0.0.5:8080", "", true},
		{"logs.example.com:8080", "", true},
		{"0.0.0.0:8080", "s3cret", false},
	}
	for _, tt := range tests {
		got := OpenWarning(tt.listen, tt.token)
		if (got != "") != tt.warn {
			t.Errorf("OpenWarning(%q, %q) = %q, want warning %v", tt.listen, tt.token, got, tt.warn)
		}
	}
}

func TestConnCap(t *testing.T) {
	tests := []struct {
		name                 string
		limit                uint64
		reserve, want        int
		wantCap, wantReserve int
		fail                 bool
	}{
		{"default reserve", 65536, 0, 0, 65536 - 1024 - maxRefusing, 1024, false},
		{"small limit halves the reserve", 1024, 0, 0, 1024 - 512 - maxRefusing, 512, false},
		{"explicit reserve", 4096, 100, 0, 4096 - 100 - maxRefusing, 100, false},
		{"asked lower", 65536, 0, 500, 500, 1024, false},
		{"asked higher is lowered", 2048, 0, 100000, 2048 - 1024 - maxRefusing, 1024, false},
		{"no room", 100, 90, 0, 0, 90, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, r, err := connCap(tt.limit, tt.reserve, tt.want)
			if (err != nil) != tt.fail {
				t.Fatalf("got error %v, want failure %v", err, tt.fail)
			}
			if !tt.fail && (c != tt.wantCap || r != tt.wantReserve) {
				t.Errorf("got cap %d reserve %d, want %d and %d", c, r, tt.wantCap, tt.wantReserve)
			}
		})
	}
}

// The cap in force comes from the process's real RLIMIT_NOFILE.
func TestLimitsFromRlimit(t *testing.T) {
	limit, err := fdLimit()
	if err != nil {
		t.Fatal(err)
	}
	s := start(t, Config{})
	l := s.Limits()
	if l.FDLimit != limit || l.MaxConns != int(min(limit, 1<<40))-l.FDReserve-maxRefusing {
		t.Errorf("got %+v, want the limit %d less reserve and refusals", l, limit)
	}
}
