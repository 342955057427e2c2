package client

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tailcast/tailcast/proto/logpb"
	"github.com/tailcast/tailcast/pusher"
)

// memFetcher is Kafka for one partition, in memory: entry i at offset i,
// read (Kafka timestamp) at its own time.
type memFetcher struct {
	mu sync.Mutex
	es []*logpb.LogEntry
}

func (f *memFetcher) Fetch(ctx context.Context, p int32, from, to int64, fn func(int64, *logpb.LogEntry) error) (int64, error) {
	f.mu.Lock()
	es := f.es
	f.mu.Unlock()
	for o := from; o < to && o < int64(len(es)); o++ {
		if err := fn(o, es[o]); err != nil {
			return 0, err
		}
	}
	return 0, nil
}

func (f *memFetcher) OffsetForTime(ctx context.Context, p int32, t time.Time) (int64, int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for o, e := range f.es {
		if e.ReadTimeUnixNano >= t.UnixNano() {
			return int64(o), 0, nil
		}
	}
	return int64(len(f.es)), 0, nil
}

// historyPusher serves 20 entries m0..m19, a second apart from base, with
// a status field of 200 + 100*(i%4), half from file a, half from file b.
func historyPusher(t *testing.T) (string, time.Time) {
	t.Helper()
	base := time.Now().Add(-time.Hour).Truncate(time.Second)
	f := &memFetcher{}
	for i := range 20 {
		e := logEntry(i, logpb.Level_LEVEL_INFO, fmt.Sprintf("m%d", i))
		e.TimeUnixNano = base.Add(time.Duration(i) * time.Second).UnixNano()
		e.ReadTimeUnixNano = e.TimeUnixNano
		e.Source = "/var/log/" + string(rune('a'+i%2)) + ".log"
		e.Fields = []*logpb.Field{{Key: "status", Value: fmt.Sprint(200 + 100*(i%4)), Json: true}}
		f.es = append(f.es, e)
	}
	p := newPusher(t, pusher.Config{Fetcher: f})
	p.Begin(0, 0)
	for i, e := range f.es {
		p.Publish(0, int64(i), e)
	}
	_, url := serve(t, p)
	return url, base
}

func TestTailRangeExitsAtEnd(t *testing.T) {
	url, base := historyPusher(t)
	at := func(i int) string { return base.Add(time.Duration(i) * time.Second).Format(time.RFC3339) }
	tests := []struct {
		name string
		h    History
		f    Filter
		want string
	}{
		{"range", History{From: at(3), To: at(7)}, Filter{}, "m3 m4 m5 m6"},
		{"where", History{From: at(0), To: at(20)}, Filter{Where: []string{"status>=500"}}, "m3 m7 m11 m15 m19"},
		{"newest", History{From: at(0), To: at(20), Limit: 3, Newest: true}, Filter{}, "m17 m18 m19"},
		{"limit", History{From: at(0), To: at(20), Limit: 2}, Filter{}, "m0 m1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			err := Tail(ctx, TailOptions{Options: Options{URL: url, History: tt.h, Filter: tt.f, Reconnect: true}, Output: OutputRaw}, &out, &errOut)
			if err != nil {
				t.Fatalf("Tail: got %v, want nil at the end of the range", err)
			}
			if ctx.Err() != nil {
				t.Fatal("Tail ran until the timeout instead of ending at the range's end")
			}
			if got := strings.Join(strings.Fields(out.String()), " "); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			if !strings.Contains(errOut.String(), "-- end: ") {
				t.Errorf("stderr: got %q, want the end notice", errOut.String())
			}
		})
	}
}

func TestTailAround(t *testing.T) {
	url, base := historyPusher(t)
	// The cursor of m10, from a range.
	var cursor string
	err := Follow(context.Background(), Options{URL: url, History: History{From: base.Format(time.RFC3339), To: base.Add(time.Minute).Format(time.RFC3339)}}, func(m Message) error {
		if m.Type == TypeEntry && m.Msg == "m10" {
			cursor = m.Cursor
		}
		return nil
	})
	if err != nil || cursor == "" {
		t.Fatalf("range: %v, cursor %q", err, cursor)
	}
	var out, errOut bytes.Buffer
	err = Tail(context.Background(), TailOptions{Options: Options{URL: url, History: History{Around: cursor, Before: 2, After: 1}}, Output: OutputPretty, Color: "never"}, &out, &errOut)
	if err != nil {
		t.Fatalf("Tail around: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	var got []string
	for _, l := range lines {
		f := strings.Fields(l)
		msg := f[len(f)-2] // ... message status=N
		if strings.HasPrefix(l, "> ") {
			msg = "*" + msg
		}
		got = append(got, msg)
	}
	// m10 is in file a (even entries): m6 m8 before, m12 after.
	if want := "m6 m8 *m10 m12"; strings.Join(got, " ") != want {
		t.Errorf("got %q, want %q\n%s", strings.Join(got, " "), want, out.String())
	}
}

func TestWhereQuery(t *testing.T) {
	q := query(nil, Filter{Where: []string{"status>=500", "user!=bob"}}, 0, "")
	if got := q["where"]; len(got) != 2 || got[0] != "status>=500" || got[1] != "user!=bob" {
		t.Errorf("where: got %v, want both expressions, repeated", got)
	}
}
