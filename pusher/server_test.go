package pusher

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gobwas/ws"

	"github.com/tailcast/tailcast/proto/logpb"
)

const (
	lInfo  = logpb.Level_LEVEL_INFO
	lWarn  = logpb.Level_LEVEL_WARN
	lError = logpb.Level_LEVEL_ERROR
	lFatal = logpb.Level_LEVEL_FATAL
	lDebug = logpb.Level_LEVEL_DEBUG
	lUnk   = logpb.Level_LEVEL_UNKNOWN
)

// filterData is published for the filter tests.
var filterData = []*logpb.LogEntry{
	entry("api", "web-1", lInfo, "GET /orders 200"),
	entry("api", "web-2", lWarn, "upstream Timeout after 3s"),
	entry("db", "db-1", lError, "deadlock detected"),
	entry("api", "web-1", lError, "payment failed: TIMEOUT"),
	entry("worker", "web-1", lDebug, "job 17 started"),
	entry("api", "web-1", lUnk, "payment retry"),
	entry("db", "web-2", lFatal, "out of disk"),
}

func TestFilters(t *testing.T) {
	tests := []struct {
		name  string
		query string
		want  []string
		svc   string // of the end marker; "" means api
		host  string // of the end marker; "" means web-1
	}{
		{"none", "", []string{"GET /orders 200", "upstream Timeout after 3s", "deadlock detected", "payment failed: TIMEOUT", "job 17 started", "payment retry", "out of disk"}, "", ""},
		{"service", "service=db", []string{"deadlock detected", "out of disk"}, "db", ""},
		{"services comma", "service=db,worker", []string{"deadlock detected", "job 17 started", "out of disk"}, "db", ""},
		{"services repeated", "service=db&service=worker", []string{"deadlock detected", "job 17 started", "out of disk"}, "worker", ""},
		{"host", "host=web-2", []string{"upstream Timeout after 3s", "out of disk"}, "", "web-2"},
		{"level", "level=warn", []string{"upstream Timeout after 3s", "deadlock detected", "payment failed: TIMEOUT", "out of disk"}, "", ""},
		{"level alias", "level=ERROR", []string{"deadlock detected", "payment failed: TIMEOUT", "out of disk"}, "", ""},
		{"q case-insensitive", "q=timeout", []string{"upstream Timeout after 3s", "payment failed: TIMEOUT"}, "", ""},
		{"re", "re=" + url.QueryEscape("^pay"), []string{"payment failed: TIMEOUT", "payment retry"}, "", ""},
		{"service and level", "service=api&level=warn", []string{"upstream Timeout after 3s", "payment failed: TIMEOUT"}, "", ""},
		{"all combined", "service=api&host=web-1&level=error&q=time&re=" + url.QueryEscape("fail(ed)?"), []string{"payment failed: TIMEOUT"}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const last = "payment failed timeout end"
			want := append(slices.Clone(tt.want), last)
			svc, host := cmp.Or(tt.svc, "api"), cmp.Or(tt.host, "web-1")
			for _, mode := range []string{"live", "backfill"} {
				s, u := testServer(t, Config{})
				s.Begin(0, 0)
				var c *wsClient
				off := int64(0)
				publishAll := func() {
					for _, e := range filterData {
						s.Publish(0, off, e)
						off++
					}
				}
				if mode == "backfill" {
					publishAll()
					c = dial(t, u+"?backfill=100&"+tt.query)
					c.hello()
				} else {
					c = dial(t, u+"?"+tt.query)
					c.hello()
					publishAll()
				}
				s.Publish(0, off, entry(svc, host, lFatal, last))
				if got := msgs(c.untilMsg(last)); !slices.Equal(got, want) {
					t.Errorf("%s: got %q, want %q", mode, got, want)
				}
			}
		})
	}
}

func TestBadQuery(t *testing.T) {
	_, u := testServer(t, Config{})
	for _, q := range []string{
		"level=loud", "re=" + url.QueryEscape("(unclosed"), "backfill=-1", "backfill=10001", "backfill=x", "since=not-a-cursor",
	} {
		t.Run(q, func(t *testing.T) {
			_, err := tryDial(t, u+"?"+q, nil)
			var se ws.StatusError
			if !errors.As(err, &se) || int(se) != http.StatusBadRequest {
				t.Errorf("got %v, want status 400", err)
			}
		})
	}
}

func TestFilterMessage(t *testing.T) {
	s, u := testServer(t, Config{})
	s.Begin(0, 0)
	c := dial(t, u)
	c.hello()
	c.send(`{"type":"filter","service":"db","level":"error"}`)
	// Messages are handled in order: once the error for the bad one
	// arrives, the good one is in force, and the bad one changed nothing.
	c.send(`{"type":"filter","level":"loud"}`)
	if m := c.next(); m.Type != "error" || !strings.Contains(m.Error, "loud") {
		t.Fatalf("got %+v, want an error naming the bad level", m)
	}
	c.send(`{"type":"nope"}`)
	if m := c.next(); m.Type != "error" {
		t.Fatalf("got %+v, want an error for an unknown type", m)
	}
	for i, e := range filterData {
		s.Publish(0, int64(i), e)
	}
	s.Publish(0, int64(len(filterData)), entry("db", "x", lError, "end"))
	want := []string{"deadlock detected", "out of disk", "end"}
	if got := msgs(c.untilMsg("end")); !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestBackfill(t *testing.T) {
	s, u := testServer(t, Config{})
	s.Begin(0, 0)
	for i := range 50 {
		s.Publish(0, int64(i), entry("api", "h", lInfo, fmt.Sprint("m", i)))
	}
	c := dial(t, u+"?backfill=10")
	c.hello()
	s.Publish(0, 50, entry("api", "h", lInfo, "live"))
	var want []string
	for i := 40; i < 50; i++ {
		want = append(want, fmt.Sprint("m", i))
	}
	want = append(want, "live")
	if got := msgs(c.untilMsg("live")); !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestAccess(t *testing.T) {
	tests := []struct {
		name   string
		cfg    Config
		query  string
		header http.Header
		want   int // 0: upgrade succeeds
	}{
		{"no token needed", Config{}, "", nil, 0},
		{"token missing", Config{Token: "s3cret"}, "", nil, 401},
		{"token wrong", Config{Token: "s3cret"}, "token=nope", nil, 401},
		{"token query", Config{Token: "s3cret"}, "token=s3cret", nil, 0},
		{"token header", Config{Token: "s3cret"}, "", http.Header{"Authorization": {"Bearer s3cret"}}, 0},
		// The token is checked before anything is parsed or compiled.
		{"bad query without token", Config{Token: "s3cret"}, "level=loud&re=" + url.QueryEscape("(unclosed"), nil, 401},
		{"bad query with token", Config{Token: "s3cret"}, "level=loud&token=s3cret", nil, 400},
		{"long query without token", Config{Token: "s3cret"}, "q=" + strings.Repeat("a", maxQueryBytes), nil, 414},
		{"foreign origin", Config{}, "", http.Header{"Origin": {"https://evil.example"}}, 403},
		{"same-host origin", Config{}, "", http.Header{"Origin": {"http://HOST"}}, 0},
		{"listed origin", Config{AllowedOrigins: []string{"https://logs.example"}}, "", http.Header{"Origin": {"https://logs.example"}}, 0},
		// Issue 15 item 2: a list adds origins, the server's own stays.
		{"own origin beside a list", Config{AllowedOrigins: []string{"https://logs.example"}}, "", http.Header{"Origin": {"http://HOST"}}, 0},
		{"unlisted origin", Config{AllowedOrigins: []string{"https://logs.example"}}, "", http.Header{"Origin": {"https://evil.example"}}, 403},
		{"any origin", Config{AllowedOrigins: []string{"*"}}, "", http.Header{"Origin": {"https://evil.example"}}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, u := testServer(t, tt.cfg)
			h := tt.header
			if o := h.Get("Origin"); strings.Contains(o, "HOST") {
				pu, _ := url.Parse(u)
				h = http.Header{"Origin": {strings.Replace(o, "HOST", pu.Host, 1)}}
			}
			c, err := tryDial(t, u+"?"+tt.query, h)
			if tt.want == 0 {
				if err != nil {
					t.Fatalf("got %v, want upgrade", err)
				}
				c.hello()
				return
			}
			var se ws.StatusError
			if !errors.As(err, &se) || int(se) != tt.want {
				t.Errorf("got %v, want status %d", err, tt.want)
			}
		})
	}
}

func TestPerIPLimit(t *testing.T) {
	s, u := testServer(t, Config{MaxConnsPerIP: 2})
	a, b := dial(t, u), dial(t, u)
	a.hello()
	b.hello()
	_, err := tryDial(t, u, nil)
	var se ws.StatusError
	if !errors.As(err, &se) || int(se) != http.StatusTooManyRequests {
		t.Fatalf("third connection: got %v, want status 429", err)
	}
	a.conn.Close()
	waitClients(t, s, 1)
	c, err := tryDial(t, u, nil)
	if err != nil {
		t.Fatalf("after one closed: got %v, want upgrade", err)
	}
	c.hello()
}

func TestCloseSendsGoingAway(t *testing.T) {
	s, u := testServer(t, Config{})
	cs := []*wsClient{dial(t, u), dial(t, u)}
	for _, c := range cs {
		c.hello()
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	for i, c := range cs {
		code, err := c.closeCode(5 * time.Second)
		if err != nil || code != ws.StatusGoingAway {
			t.Errorf("client %d: got code %d (%v), want 1001", i, code, err)
		}
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: got %v, want nil", err)
	}
	if _, err := tryDial(t, u, nil); err == nil {
		t.Errorf("dial after Close: got success, want refusal")
	}
}
