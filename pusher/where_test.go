package pusher

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tailcast/tailcast/internal/parse"
	"github.com/tailcast/tailcast/internal/wait"
	"github.com/tailcast/tailcast/proto/logpb"
)

// parsed is a LogEntry as the collector's parser makes it from line.
func parsed(service, line string) *logpb.LogEntry {
	e := entry(service, "h", lInfo, "")
	parse.Into(e, []byte(line))
	return e
}

func TestWhereMatch(t *testing.T) {
	jsonLine := `{"level":"error","msg":"upstream failed","status":503,"user":"alice","path":"/api/v1/pay","latency_ms":1234.5,"ok":false}`
	logfmtLine := `level=info msg="served" status=200 user=bob path=/static/app.js latency_ms=12`
	tests := []struct {
		where string
		line  string
		want  bool
	}{
		{"status>=500", jsonLine, true},
		{"status>=500", logfmtLine, false},
		{"status<300", logfmtLine, true},
		{"status=503", jsonLine, true},
		{"status=503.0", jsonLine, true}, // numbers compare as numbers
		{"status!=503", jsonLine, false},
		{"user=alice", jsonLine, true},
		{"user=alice", logfmtLine, false},
		{"user!=bob", jsonLine, true},
		{"user!=bob", logfmtLine, false},
		{"path~^/api/", jsonLine, true},
		{"path~^/api/", logfmtLine, false},
		{"path!~^/api/", logfmtLine, true},
		{"latency_ms>1000", jsonLine, true},
		{"latency_ms>1000", logfmtLine, false},
		{"latency_ms<=12", logfmtLine, true},
		{"ok=false", jsonLine, true},
		{"user>5", jsonLine, false},               // text is no number
		{"missing=x", jsonLine, false},            // a field the entry lacks does not match
		{"missing!=x", jsonLine, false},           // not even !=
		{"  user = alice ", jsonLine, true},       // blanks around key and value
		{"status>=500", "plain text line", false}, // no fields at all
	}
	for _, tt := range tests {
		t.Run(tt.where+" "+tt.line[:10], func(t *testing.T) {
			f, err := filterSpec{wheres: []string{tt.where}}.compile()
			if err != nil {
				t.Fatalf("compile %q: %v", tt.where, err)
			}
			e := parsed("api", tt.line)
			if got := f.matchEntry(e, ""); got != tt.want {
				t.Errorf("where %q on %q (fields %v): got %v, want %v", tt.where, tt.line, e.Fields, got, tt.want)
			}
		})
	}
}

func TestWhereAllMustHold(t *testing.T) {
	f, err := filterSpec{wheres: []string{"status>=500", "user=alice"}}.compile()
	if err != nil {
		t.Fatal(err)
	}
	for line, want := range map[string]bool{
		`{"status":503,"user":"alice"}`: true,
		`{"status":503,"user":"bob"}`:   false,
		`{"status":200,"user":"alice"}`: false,
	} {
		if got := f.matchEntry(parsed("a", line), ""); got != want {
			t.Errorf("%s: got %v, want %v", line, got, want)
		}
	}
	if f.costly() {
		t.Errorf("comparisons only: got costly, want cheap (flush loop)")
	}
	g, _ := filterSpec{wheres: []string{"path~^/api/"}}.compile()
	if !g.costly() {
		t.Errorf("a where regex: got cheap, want costly (own scanner)")
	}
}

func TestWhereBad(t *testing.T) {
	tests := []struct{ where, reason string }{
		{"status", "no operator"},
		{"=5", "no field name"},
		{"status>=abc", "not a number"},
		{"path~(", "invalid re"},
		{"path~[^Q]{0,1000}[^Q]{0,1000}Q", "too costly"},
		{strings.Repeat("a", maxFilterText+1) + "=1", "longer than"},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			_, err := filterSpec{wheres: []string{tt.where}}.compile()
			if !errors.Is(err, ErrBadFilter) || !strings.Contains(err.Error(), tt.reason) {
				t.Errorf("where %.40q: got %v, want ErrBadFilter saying %q", tt.where, err, tt.reason)
			}
		})
	}
}

func TestWhereKeyDistinguishes(t *testing.T) {
	a, _ := filterSpec{wheres: []string{"status>=500"}}.compile()
	b, _ := filterSpec{wheres: []string{" status >= 500 "}}.compile()
	c, _ := filterSpec{wheres: []string{"status>500"}}.compile()
	if a.key != b.key {
		t.Errorf("same condition: got keys %q and %q, want equal", a.key, b.key)
	}
	if a.key == c.key {
		t.Errorf(">= and >: got equal keys %q", a.key)
	}
}

func TestWhereMatchAllocatesNothing(t *testing.T) {
	f, _ := filterSpec{wheres: []string{"status>=500", "user!=bob", "latency_ms>1000"}}.compile()
	e := parsed("a", `{"status":"oops","user":"alice","latency_ms":1234.5}`)
	r := &record{fields: e.Fields}
	if n := testing.AllocsPerRun(100, func() { f.matchRecord(r) }); n != 0 {
		t.Errorf("got %v allocations per match, want 0", n)
	}
}

func TestWhereOverWebsocket(t *testing.T) {
	s, u := testServer(t, Config{})
	s.Begin(0, 0)

	// A bad expression is refused before the upgrade, with the reason.
	resp, err := http.Get("http" + strings.TrimPrefix(u, "ws") + "?where=" + url.QueryEscape("status>=abc"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("bad where: got HTTP %d, want 400", resp.StatusCode)
	}

	c := dial(t, u+"?where="+url.QueryEscape("status>=500")+"&where="+url.QueryEscape("path~^/api/"))
	c.hello()
	waitClients(t, s, 1)
	lines := []string{
		`{"msg":"a","status":200,"path":"/api/x"}`,
		`{"msg":"b","status":503,"path":"/api/x"}`,
		`level=error msg=c status=502 path=/static`,
		`level=error msg=d status=500 path=/api/y`,
		`{"msg":"e","path":"/api/x"}`,
		`{"msg":"end","status":599,"path":"/api/z"}`,
	}
	for i, l := range lines {
		s.Publish(0, int64(i), parsed("api", l))
	}
	if got, want := strings.Join(msgs(c.untilMsg("end")), ","), "b,d,end"; got != want {
		t.Fatalf("live with where: got %s, want %s", got, want)
	}

	// The filter message takes where too; a bad one gets an error reply.
	c.send(`{"type":"filter","where":["user<x"]}`)
	if m := c.next(); m.Type != "error" || !strings.Contains(m.Error, "not a number") {
		t.Fatalf("bad where message: got %+v, want an error saying not a number", m)
	}
	c.send(`{"type":"filter","where":["user=alice"]}`)
	c.send(`{"type":"filter","where":["user=alice","n>1"]}`)
	// Filters apply in order; publish after the last one has been applied.
	waitFilter(t, s, `"user"="alice"`)
	s.Publish(0, 10, parsed("api", `user=alice msg=x1 n=1`))
	s.Publish(0, 11, parsed("api", `user=alice msg=x2 n=2`))
	s.Publish(0, 12, parsed("api", `user=bob msg=x3 n=3`))
	s.Publish(0, 13, parsed("api", `user=alice msg=x4 n=4`))
	if got, want := strings.Join(msgs(c.untilMsg("x4")), ","), "x2,x4"; got != want {
		t.Fatalf("after filter message: got %s, want %s", got, want)
	}
}

// waitFilter waits until the server's only client has a filter whose key
// contains sub and a where on n.
func waitFilter(t *testing.T, s *Server, sub string) {
	t.Helper()
	wait.For(t, 10*time.Second, "filter "+sub, func() bool {
		s.mu.RLock()
		defer s.mu.RUnlock()
		if len(s.clients) != 1 {
			return false
		}
		f := s.clients[0].filt.Load()
		return f != nil && strings.Contains(f.key, sub) && strings.Contains(f.key, `"n">"1"`)
	})
}
