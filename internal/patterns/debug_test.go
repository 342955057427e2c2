package patterns

import (
	"fmt"
	"os"
	"sort"
	"testing"

	"github.com/tailcast/tailcast/internal/loghub"
	"github.com/tailcast/tailcast/internal/parse"
	"github.com/tailcast/tailcast/proto/logpb"
)

func TestDebug(t *testing.T) {
	name := os.Getenv("DS")
	if name == "" {
		t.Skip()
	}
	lines := loghub.First(t, name, -1)
	labels, _ := loghub.Structured(name)
	m := New(Config{})
	var e logpb.LogEntry
	got := make([]*Pattern, len(lines))
	for i, l := range lines {
		parse.Into(&e, []byte(l))
		got[i] = m.Add(e.Message)
	}
	type k struct{ p, tr string }
	pair := map[k]int{}
	ps := map[string]int{}
	ts := map[string]int{}
	tt := map[string]string{}
	for i, p := range got {
		pair[k{p.Template(), labels[i].EventID}]++
		ps[p.Template()]++
		ts[labels[i].EventID]++
		tt[labels[i].EventID] = labels[i].Template
	}
	var out []string
	for kk, n := range pair {
		if n != ps[kk.p] || n != ts[kk.tr] {
			out = append(out, fmt.Sprintf("%4d/%4d/%4d P: %s\n               T: %s %s", n, ps[kk.p], ts[kk.tr], kk.p, kk.tr, tt[kk.tr]))
		}
	}
	sort.Sort(sort.Reverse(sort.StringSlice(out)))
	for _, o := range out {
		fmt.Println(o)
	}
}
