package pusher

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tailcast/tailcast/proto/logpb"
)

func TestFilterMatch(t *testing.T) {
	type ent struct {
		svc, host string
		lvl       logpb.Level
		msg       string
	}
	tests := []struct {
		name string
		spec filterSpec
		e    ent
		want bool
	}{
		{"empty passes all", filterSpec{}, ent{"a", "h", lUnk, "x"}, true},
		{"service hit", filterSpec{services: []string{"a,b"}}, ent{"b", "h", lInfo, "x"}, true},
		{"service miss", filterSpec{services: []string{"a"}}, ent{"ab", "h", lInfo, "x"}, false},
		{"host hit", filterSpec{hosts: []string{"h1", "h2"}}, ent{"a", "h2", lInfo, "x"}, true},
		{"host miss", filterSpec{hosts: []string{"h1"}}, ent{"a", "H1", lInfo, "x"}, false},
		{"level equal", filterSpec{level: "warn"}, ent{"a", "h", lWarn, "x"}, true},
		{"level above", filterSpec{level: "warn"}, ent{"a", "h", lFatal, "x"}, true},
		{"level below", filterSpec{level: "warn"}, ent{"a", "h", lInfo, "x"}, false},
		{"unknown level with minimum", filterSpec{level: "trace"}, ent{"a", "h", lUnk, "x"}, false},
		{"q folds case", filterSpec{q: "TimeOut"}, ent{"a", "h", lInfo, "read TIMEOUT"}, true},
		{"q unicode", filterSpec{q: "ÉCHEC"}, ent{"a", "h", lInfo, "un échec"}, true},
		{"q miss", filterSpec{q: "timeout"}, ent{"a", "h", lInfo, "time out"}, false},
		{"re", filterSpec{re: `^GET /\w+ 5\d\d`}, ent{"a", "h", lInfo, "GET /x 503"}, true},
		{"re miss", filterSpec{re: `^GET`}, ent{"a", "h", lInfo, " GET"}, false},
		{"and: one fails", filterSpec{services: []string{"a"}, level: "error"}, ent{"a", "h", lWarn, "x"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := tt.spec.compile()
			if err != nil {
				t.Fatalf("compile: %v", err)
			}
			if got := f.match(tt.e.svc, tt.e.host, tt.e.lvl, tt.e.msg, strings.ToLower(tt.e.msg), nil, ""); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestFilterKeyIdentifiesEqualFilters(t *testing.T) {
	a, _ := filterSpec{services: []string{"b,a", "a"}, level: "WARN"}.compile()
	b, _ := filterSpec{services: []string{"a", "b"}, level: "warning"}.compile()
	c, _ := filterSpec{services: []string{"a,b"}, level: "error"}.compile()
	d, _ := filterSpec{services: []string{`a"h"b`}}.compile()
	e, _ := filterSpec{services: []string{"a"}, hosts: []string{"b"}}.compile()
	if a.key != b.key {
		t.Errorf("equal filters: got keys %q and %q, want equal", a.key, b.key)
	}
	for _, other := range []*filter{c, d, e} {
		if a.key == other.key {
			t.Errorf("different filters share key %q", a.key)
		}
	}
}

func TestParseClientMessage(t *testing.T) {
	tests := []struct {
		in      string
		wantErr bool
	}{
		{`{"type":"filter"}`, false},
		{`{"type":"filter","service":["a","b"],"host":"h1,h2","level":"info","q":"x","re":"y+"}`, false},
		{`{"type":"filter","service":3}`, true},
		{`{"type":"filter","re":"(("}`, true},
		{`{"type":"filter","level":"unknown"}`, true},
		{`{"type":"subscribe"}`, true},
		{`[]`, true},
		{``, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := parseClientMessage([]byte(tt.in))
			if (err != nil) != tt.wantErr {
				t.Fatalf("got error %v, want error: %v", err, tt.wantErr)
			}
			if err != nil && !errors.Is(err, ErrBadFilter) {
				t.Errorf("got %v, want it to wrap ErrBadFilter", err)
			}
		})
	}
}

func FuzzFilter(f *testing.F) {
	for _, s := range []string{
		`{"type":"filter","service":"api","level":"warn","q":"timeout","re":"","host":""}`,
		`{"type":"filter","service":["a","b"],"re":"^(a|b)+$"}`,
		`{"type":"filter","q":"\u2028\ufffd"}`,
		`{"type":"x"}`, `{`, `null`, `{"type":"filter","q":"x","backfill":100}`, `{"type":"filter","backfill":-1}`,
	} {
		f.Add([]byte(s), "service=a&level=info&q=x&backfill=5")
	}
	f.Add([]byte(`{}`), "since="+cursorOf(vecEntry{0, 1}, vecEntry{3, 1 << 40}))
	f.Fuzz(func(t *testing.T, msg []byte, query string) {
		if fc, err := parseClientMessage(msg); err == nil {
			flt := fc.f
			if fc.backfill < -1 || fc.backfill > maxBackfill {
				t.Fatalf("backfill %d accepted", fc.backfill)
			}
			if flt.key == "" {
				t.Fatalf("compiled filter without key")
			}
			// Matching must not panic on any entry, valid UTF-8 or not.
			flt.match("api", "h", lInfo, string(msg), strings.ToLower(string(msg)), nil, "")
		}
		q, err := url.ParseQuery(query)
		if err != nil {
			return
		}
		req, err := parseQuery(q)
		if err != nil {
			return
		}
		if req.backfill < 0 || req.backfill > maxBackfill {
			t.Fatalf("backfill %d accepted", req.backfill)
		}
		if req.hasSince {
			// A decoded cursor re-encodes to a cursor that decodes the same.
			again, err := decodeCursor(cursorOf(req.since...))
			if err != nil || len(again) != len(req.since) {
				t.Fatalf("cursor round trip: %v", err)
			}
		}
		if flt, err := req.spec.compile(); err == nil && !utf8.ValidString(flt.q) {
			t.Fatalf("accepted invalid UTF-8 q %q", flt.q)
		}
	})
}

// TestMatchCostlyCompletesMayMatch: for every record a filter may match
// (mayMatch), matchCostly, which the scanner runs on those, says what
// match says; over real log lines and the filter mix, with every kind of
// term, regular expressions on the message and on fields among them.
func TestMatchCostlyCompletesMayMatch(t *testing.T) {
	entries := sampleEntries(t)
	specs := []filterSpec{
		{re: `(?i)PANIC recovered`},
		{re: `slow query on table \w+`, level: "warn"},
		{re: `^Received`},
		{services: []string{"api"}, re: `served in [0-9]{3,}ms`},
		{re: `timeout|refused`},
		{wheres: []string{"user~^u[12]$"}},
		{wheres: []string{"user!~^u[12]$"}, q: "block"},
	}
	for _, tt := range matchSpecs {
		specs = append(specs, tt.spec)
	}
	costly := 0
	for _, sp := range specs {
		f, err := sp.compile()
		if err != nil {
			t.Fatalf("%+v: %v", sp, err)
		}
		for _, e := range entries {
			var p partState
			r := &record{service: e.Service, host: e.Host, level: e.Level, msg: e.Message, ltext: p.lowerText(e), fields: e.Fields}
			if !f.mayMatch(r) {
				continue
			}
			if got, want := f.matchCostly(r), f.matchRecord(r); got != want {
				t.Fatalf("filter %s on %q: matchCostly %v, want %v (match)", f.key, e.Message, got, want)
			}
			if f.costly() {
				costly++
			}
		}
	}
	if costly < 100 {
		t.Errorf("%d records may match a costly filter, want many: the test would not test the expressions", costly)
	}
}
