package filtermix

import (
	"testing"

	"github.com/tailcast/tailcast/proto/logpb"
)

func TestNew(t *testing.T) {
	m, err := New(1000)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	kinds := map[string]int{}
	for _, f := range m.Filters {
		if seen[f.key()] {
			t.Errorf("filter %q twice, want every viewer's own", f.key())
		}
		seen[f.key()] = true
		if f.Re != "" {
			kinds["re"]++
		}
		if f.Q != "" {
			kinds["q"]++
		}
		if f.Where != "" {
			kinds["where"]++
		}
		if len(f.Services) > 0 {
			kinds["service"]++
		}
		if f.Level != "" {
			kinds["level"]++
		}
	}
	for _, k := range []string{"re", "q", "where", "service", "level"} {
		if kinds[k] < 100 {
			t.Errorf("%d filters with %s, want at least 100 of 1000", kinds[k], k)
		}
	}
	r := m.MatchRate()
	if r < 0.01 || r > 0.2 {
		t.Errorf("match rate %.4f, want a realistic few percent", r)
	}
	t.Logf("match rate %.4f; kinds %v", r, kinds)
	// Same mix in every process.
	m2, _ := New(1000)
	for v := range m.Filters {
		if m.Filters[v].key() != m2.Filters[v].key() {
			t.Fatalf("viewer %d: %q then %q, want the same mix twice", v, m.Filters[v].key(), m2.Filters[v].key())
		}
	}
}

func TestExpected(t *testing.T) {
	m, err := New(50)
	if err != nil {
		t.Fatal(err)
	}
	for v := range m.Filters {
		for _, r := range [][2]int64{{0, 10}, {5, Period + 7}, {Period - 3, 3*Period + 11}, {9, 9}} {
			var want int64
			for seq := r[0]; seq < r[1]; seq++ {
				if m.Filters[v].Match(&m.Shapes[seq%Period]) {
					want++
				}
			}
			if got := m.Expected(v, r[0], r[1]); got != want {
				t.Errorf("viewer %d, [%d, %d): got %d, want %d", v, r[0], r[1], got, want)
			}
		}
	}
}

// TestEntry: an entry carries its shape's service, host, level and fields,
// and a message of Prefix's layout (the sequence number zero-padded to ten
// digits, never cut), in one allocation: the fields are the shape's own,
// shared by its entries.
func TestEntry(t *testing.T) {
	m, err := New(10)
	if err != nil {
		t.Fatal(err)
	}
	ts := []byte("1765000000123456789")
	tests := []struct {
		seq  int64
		want string // the message before its text
	}{
		{0, "tailcast-bench 0000000000 @@1765000000123456789 "},
		{7, "tailcast-bench 0000000007 @@1765000000123456789 "},
		{123456, "tailcast-bench 0000123456 @@1765000000123456789 "},
		{9999999999, "tailcast-bench 9999999999 @@1765000000123456789 "},
		{12345678901, "tailcast-bench 12345678901 @@1765000000123456789 "},
	}
	for _, tt := range tests {
		s := &m.Shapes[tt.seq%Period]
		var e logpb.LogEntry
		s.Entry(&e, tt.seq, ts)
		if want := tt.want + s.Text; e.Message != want {
			t.Errorf("seq %d: got message %q, want %q", tt.seq, e.Message, want)
		}
		if e.Service != s.Service || e.Host != s.Host || e.Level != s.Level {
			t.Errorf("seq %d: got %s/%s/%v, want %s/%s/%v", tt.seq, e.Service, e.Host, e.Level, s.Service, s.Host, s.Level)
		}
		if len(e.Fields) != len(s.Fields) {
			t.Fatalf("seq %d: got %d fields, want %d", tt.seq, len(e.Fields), len(s.Fields))
		}
		for i, f := range e.Fields {
			if f.Key != s.Fields[i][0] || f.Value != s.Fields[i][1] {
				t.Errorf("seq %d field %d: got %s=%s, want %s=%s", tt.seq, i, f.Key, f.Value, s.Fields[i][0], s.Fields[i][1])
			}
		}
	}
	// The fields are shared; a Shape made outside New gets its own.
	var a, b logpb.LogEntry
	m.Shapes[3].Entry(&a, 3, ts)
	m.Shapes[3].Entry(&b, 3+Period, ts)
	if &a.Fields[0] != &b.Fields[0] {
		t.Errorf("two entries of one shape: got fields of their own, want the shape's shared")
	}
	bare := Shape{Service: "api", Text: "x", Fields: [][2]string{{"user", "u01"}}}
	bare.Entry(&a, 1, ts)
	if len(a.Fields) != 1 || a.Fields[0].Key != "user" || a.Fields[0].Value != "u01" {
		t.Errorf("a Shape made outside New: got fields %v, want user=u01", a.Fields)
	}
	if n := testing.AllocsPerRun(1000, func() { m.Shapes[5].Entry(&a, 123456, ts) }); n > 1 {
		t.Errorf("got %.1f allocations per Entry, want 1 (the message)", n)
	}
}
