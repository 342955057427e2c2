package filtermix

import (
	"testing"
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
