package pusher

import (
	"slices"
	"strings"
	"testing"

	"github.com/tailcast/tailcast/proto/logpb"
)

// TestMatchIndexAnchorProves: the terms a filter's anchor proves, which
// try does not test again, and the filters it does not evaluate at all
// (sure: no term but those). A where's field value is never proven (the
// where tests the first field of its name, the anchor any), nor a
// regular expression's literals (they may be past the part the
// expression looks at), nor a q or literal set that is not the anchor.
func TestMatchIndexAnchorProves(t *testing.T) {
	tests := []struct {
		name  string
		spec  filterSpec
		given terms
		sure  bool
	}{
		{"a service", filterSpec{services: []string{"api"}}, termServices | termLevel, true},
		{"services and a level", filterSpec{services: []string{"api", "auth"}, level: "warn"}, termServices | termLevel, true},
		{"a q", filterSpec{q: "Timeout"}, termQ | termLevel, true},
		{"a short q", filterSpec{q: "u3"}, termQ | termLevel, true},
		{"a q and a level", filterSpec{q: "timeout", level: "error"}, termQ | termLevel, true},
		{"a service and a q", filterSpec{services: []string{"api"}, q: "timeout"}, termQ | termServices | termLevel, true},
		{"a host", filterSpec{hosts: []string{"web-1"}}, termHosts | termLevel, true},
		{"a pattern", filterSpec{patterns: []string{"p1", "p2"}}, termPatterns | termLevel, true},
		{"many services and a q", filterSpec{services: strings.Split("a,b,c,d,e,f,g,h,i", ","), q: "timeout"}, termQ | termLevel, false},
		{"many services", filterSpec{services: strings.Split("a,b,c,d,e,f,g,h,i", ",")}, termLevel, false},
		{"a q and a where", filterSpec{q: "timeout", wheres: []string{"latency_ms>500"}}, termQ | termLevel, false},
		{"a q and a host", filterSpec{q: "timeout", hosts: []string{"web-1"}}, termQ | termLevel, false},
		{"a service and a where on a number", filterSpec{services: []string{"api"}, wheres: []string{"status=404"}}, termServices | termLevel, false},
		{"a service and a where on text", filterSpec{services: []string{"api"}, wheres: []string{"user=u3"}}, termLevel, false},
		{"a where on text", filterSpec{wheres: []string{"user=u3"}}, termLevel, false},
		{"a where on a number", filterSpec{wheres: []string{"status>=500"}}, termLevel, false},
		{"a re", filterSpec{re: `timeout|refused`}, termLits | termLevel, false},
		{"a service and a re", filterSpec{services: []string{"api"}, re: `payment (declined|failed)`}, termLits | termServices | termLevel, false},
		{"a q and a re", filterSpec{q: "failed", re: `payment (declined|failed)`}, termQ | termLevel, false},
		{"a re without literals", filterSpec{re: `\d{4,}`}, termLevel, false},
		{"services but a pattern", filterSpec{services: []string{"api"}, notPats: []string{"p1"}}, termServices | termLevel, false},
		{"a level", filterSpec{level: "error"}, termLevel, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := tt.spec.compile()
			if err != nil {
				t.Fatal(err)
			}
			h := newMatchHarness(16)
			h.add(f, 0)
			h.pass()
			h.done()
			ml := h.s.mx.list(f)
			if ml == nil {
				t.Fatal("no list, want one")
			}
			if ml.given != tt.given || ml.sure != tt.sure {
				t.Errorf("got given %b sure %v, want given %b sure %v", ml.given, ml.sure, tt.given, tt.sure)
			}
		})
	}
}

// TestMatchIndexShortcuts: under each anchor, filters that try does not
// evaluate or evaluates in part, next to filters with more terms and other
// levels, get exactly the records they may match; so do those where the
// shortcut must not apply: a where on a field given twice, a literal of a
// regular expression past the part the expression looks at, a word of a
// case-sensitive expression found only in another case, a q found only
// in a field value.
func TestMatchIndexShortcuts(t *testing.T) {
	long := strings.Repeat("x", 300*1024) // past any expression's reLen
	recs := []*logpb.LogEntry{
		entry("api", "web-1", lInfo, "GET /api/v1/orders served in 120ms"),
		entry("api", "web-2", lWarn, "get /api/v1/orders timeout"),
		entry("api", "web-1", logpb.Level_LEVEL_ERROR, "Timeout calling inventory"),
		entry("api", "web-1", lUnk, "timeout with no level"),
		entry("auth", "web-1", logpb.Level_LEVEL_ERROR, "TIMEOUT in auth"),
		entry("auth", "web-3", lWarn, "login failed"),
		entry("billing", "web-1", lInfo, long+" timeout at the end"),
		entry("billing", "web-1", lInfo, "Größe: ÄRGER"),
		entry("billing", "web-1", lInfo, "größe: ärger"),
		entry("billing", "web-1", lInfo, "\xe2ÄRGER after an invalid byte"),
		entry("cart", "web-2", lWarn, "user asked"),
		entry("cart", "web-2", lWarn, "user asked again"),
	}
	recs[10].Fields = []*logpb.Field{{Key: "user", Value: "u3"}, {Key: "user", Value: "u4"}}
	recs[11].Fields = []*logpb.Field{{Key: "user", Value: "u4"}, {Key: "user", Value: "u3"}}
	specs := []filterSpec{
		{services: []string{"api"}},
		{services: []string{"api"}, level: "warn"},
		{services: []string{"api"}, level: "error"},
		{services: []string{"api", "auth"}, level: "error"},
		{q: "timeout"},
		{q: "timeout", level: "warn"},
		{q: "timeout", level: "error"},
		{services: []string{"api"}, q: "timeout"},
		{services: []string{"auth"}, q: "timeout", level: "error"},
		{q: "timeout", hosts: []string{"web-2"}},
		{q: "u3"},
		{hosts: []string{"web-3"}},
		{hosts: []string{"web-3"}, level: "error"},
		{wheres: []string{"user=u3"}},
		{services: []string{"cart"}, wheres: []string{"user=u4"}},
		{re: `timeout`},
		{re: `(?i)timeout`, level: "warn"},
		{services: []string{"api"}, re: `GET /api/v1/orders`},
		{re: `GET /api`},
		{re: `ÄRGER`},
		{re: `Größe`},
		{q: "ärger"},
		{level: "warn"},
	}
	h := newMatchHarness(len(recs) + 1)
	var filters []*filter
	for _, sp := range specs {
		f, err := sp.compile()
		if err != nil {
			t.Fatalf("%+v: %v", sp, err)
		}
		filters = append(filters, f)
		h.add(f, 0)
	}
	h.pass() // the lists, empty
	h.done()
	for i, e := range recs {
		h.s.hub.Publish(0, int64(i), e)
	}
	tail := h.pass()
	defer h.done()
	for _, f := range filters {
		got, want := h.got(f, 0, tail), h.want(f, 0, tail)
		if !slices.Equal(got, want) {
			t.Errorf("filter %s: got records %v, want %v", f.key, got, want)
		}
	}
	// The cases the shortcuts must not decide, by hand: what mayMatch
	// says of them is what the lists hold, checked above.
	for _, c := range []struct {
		spec filterSpec
		rec  int
		want bool
	}{
		{filterSpec{wheres: []string{"user=u3"}}, 11, false},              // u3 is the second user field
		{filterSpec{wheres: []string{"user=u3"}}, 10, true},               // and the first here
		{filterSpec{re: `timeout`}, 6, false},                             // past reLen
		{filterSpec{re: `GET /api`}, 1, false},                            // "get /api" only
		{filterSpec{re: `ÄRGER`}, 9, true},                                // after an invalid byte
		{filterSpec{re: `ÄRGER`}, 8, false},                               // lower case only
		{filterSpec{q: "timeout", hosts: []string{"web-2"}}, 2, false},    // the word, not the host
		{filterSpec{services: []string{"api"}, level: "error"}, 3, false}, // no level
		{filterSpec{services: []string{"api", "auth"}, level: "error"}, 4, true},
	} {
		f, err := c.spec.compile()
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(filters, func(g *filter) bool { return g.key == f.key })
		if i < 0 {
			t.Fatalf("%+v is not among the filters", c.spec)
		}
		got := slices.ContainsFunc(h.got(filters[i], 0, tail), func(s uint64) bool {
			return h.s.hub.log.at(s).msg == recs[c.rec].Message
		})
		if got != c.want {
			t.Errorf("filter %s, record %d (%.40q): got listed %v, want %v", f.key, c.rec, recs[c.rec].Message, got, c.want)
		}
	}
}
