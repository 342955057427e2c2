package pusher

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/tailcast/tailcast/consumer"
	"github.com/tailcast/tailcast/internal/loghub"
)

// fullMatch is what a scan without the prefilter decides: the record
// decoded as the consumer does, then the filter.
func fullMatch(f *filter, value string, hs []*sarama.RecordHeader) bool {
	e, _ := consumer.Decode(&sarama.ConsumerMessage{Topic: "logs", Value: []byte(value), Headers: hs, Timestamp: time.Unix(1700000000, 0)})
	return f.matchEntry(e, "")
}

// keepArgs are the prefilter's arguments for a record, as consumer.Scan
// gives them: the value, the only service and host headers (in any case),
// the label values.
func keepArgs(hs []*sarama.RecordHeader) (service, host []byte, labels [][]byte) {
	sole := func(key string) []byte {
		var v []byte
		n := 0
		for _, h := range hs {
			if strings.EqualFold(string(h.Key), key) {
				v, n = h.Value, n+1
			}
		}
		if n != 1 {
			return nil
		}
		return v
	}
	for _, h := range hs {
		if strings.HasPrefix(string(h.Key), "label.") {
			labels = append(labels, h.Value)
		}
	}
	return sole("service"), sole("host"), labels
}

// prefilterKeeps reports what the prefilter of sp and the full filter say
// of a record; ok is false when sp does not compile.
func prefilterKeeps(sp filterSpec, value string, hs []*sarama.RecordHeader) (keep, full, ok bool) {
	f, err := sp.compile()
	if err != nil {
		return false, false, false
	}
	full = fullMatch(f, value, hs)
	pf := newRecordFilter(f)
	if pf == nil {
		return true, full, true
	}
	service, host, labels := keepArgs(hs)
	return pf.keep([]byte(value), service, host, labels), full, true
}

// headers builds record headers from key, value pairs.
func headers(kv ...string) []*sarama.RecordHeader {
	var hs []*sarama.RecordHeader
	for i := 0; i+1 < len(kv); i += 2 {
		hs = append(hs, &sarama.RecordHeader{Key: []byte(kv[i]), Value: []byte(kv[i+1])})
	}
	return hs
}

func labelHeaders(labels []string) []*sarama.RecordHeader {
	var kv []string
	for i, l := range labels {
		kv = append(kv, "label.l"+string(rune('a'+i)), l)
	}
	return headers(kv...)
}

func TestPrefilter(t *testing.T) {
	tests := []struct {
		name     string
		q, value string
		labels   []string
		wantKeep bool
		wantFull bool
	}{
		{"plain line, absent", "timeout", "2024-01-01 INFO connected to db", nil, false, false},
		{"plain line, present in another case", "CONNECTED", "2024-01-01 INFO Connected to db", nil, true, true},
		{"in a label only", "eu-west", "hello", []string{"eu-west-1"}, true, true},
		{"JSON escape", `a"b`, `{"msg":"say a\"b"}`, nil, true, true},
		{"JSON unicode escape", "é", `{"msg":"caf\u00e9"}`, nil, true, true},
		{"Kelvin sign lowers to k", "5k", "temp 5\u212a", nil, true, true},
		{"compact JSON value", `"a","b"`, `{"msg":"x","tags": ["a", "b"]}`, nil, true, true},
		{"compact JSON, q without JSON punctuation, absent", "zzz", `{"msg":"x","tags": ["a", "b"]}`, nil, false, false},
		{"logfmt quoted escape", `say "hi"`, `level=info msg="say \"hi\""`, nil, true, true},
		{"stack trace joined by a newline", "failed\njava", `{"msg":"failed","stack_trace":"java.lang.Error"}`, nil, true, true},
		{"invalid UTF-8", "ab", "a\xffb c", nil, true, false},
		{"empty value", "x", "", nil, false, false},
		{"shorter than q", "longer query", "short", nil, false, false},
		{"short JSON with escapes", "tab", `{"m":"\t"}`, nil, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			keep, full, ok := prefilterKeeps(filterSpec{q: tt.q}, tt.value, labelHeaders(tt.labels))
			if !ok {
				t.Fatalf("q %q does not compile", tt.q)
			}
			if keep != tt.wantKeep || full != tt.wantFull {
				t.Errorf("q %q on %q: got keep %v, full match %v; want keep %v, full match %v", tt.q, tt.value, keep, full, tt.wantKeep, tt.wantFull)
			}
		})
	}
}

// prefilterLines are real lines of every loghub dataset and JSON layout,
// and lines made to trip a prefilter: escapes, blanks the parser compacts
// away, non-ASCII text, stack traces.
func prefilterLines(t testing.TB) []string {
	var lines []string
	for _, ds := range []string{"Android", "Apache", "BGL", "HDFS", "HPC", "OpenSSH", "Proxifier", "Spark", "Windows"} {
		lines = append(lines, loghub.First(t, ds, 200)...)
	}
	files, err := filepath.Glob("../internal/parse/testdata/layouts/*.log")
	if err != nil || len(files) == 0 {
		t.Fatalf("layouts: %v (%d files)", err, len(files))
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, strings.Split(strings.TrimSpace(string(b)), "\n")...)
	}
	return append(lines,
		`{"level":"info","msg":"Cache HIT","tags": [ "a" , "B" ], "ctx": {"user" : "Alice", "n": 1.50}}`,
		`{"msg":"line\none","err":"x\"y"}`,
		`level=warn msg="quoted \"value\"" user=bob latency_ms=12`,
		"2024-01-01T00:00:00Z ERROR temp 5\u212a over limit",
		"Straße ÉCHEC İstanbul",
		`{"msg":"trace","stack":"a\n\tb"}`+"\n"+"\tat next.line(X.java:1)",
	)
}

// TestPrefilterNeverHidesAMatch: on real lines and many queries (pieces
// of the lines in several cases, and their neighbours), whenever the
// prefilter rules a record out, the full filter does too.
func TestPrefilterNeverHidesAMatch(t *testing.T) {
	lines := prefilterLines(t)
	fixed := []string{"error", "ERROR", ":", `","`, "a b", "1.5", `"a","b"`, "user:", "k", "ß", "ss", `\`, "{", "}"}
	var checked, ruledOut int
	for li, line := range lines {
		qs := append([]string(nil), fixed...)
		for _, n := range []int{1, 3, 7, 15} {
			for _, at := range []int{0, len(line) / 3, len(line) / 2, len(line) - n} {
				if at >= 0 && at+n <= len(line) {
					piece := line[at : at+n]
					qs = append(qs, piece, strings.ToUpper(piece), strings.ToLower(piece))
				}
			}
		}
		labels := []string{}
		if li%3 == 0 {
			labels = append(labels, "zone-EU")
		}
		for _, q := range qs {
			keep, full, ok := prefilterKeeps(filterSpec{q: q}, line, labelHeaders(labels))
			if !ok {
				continue
			}
			checked++
			if !keep {
				ruledOut++
				if full {
					t.Errorf("q %q on %q (labels %q): prefilter ruled it out, the filter matches", q, line, labels)
				}
			}
		}
	}
	if ruledOut == 0 || checked < 1000 {
		t.Errorf("checked %d queries, ruled out %d: want many of both", checked, ruledOut)
	}
}

func FuzzPrefilter(f *testing.F) {
	for _, l := range prefilterLines(f) {
		f.Add(l, "error", "")
	}
	f.Add(`{"a": [1, 2]}`, "1,2", "x")
	f.Add("temp 5\u212a", "5k", "")
	f.Fuzz(func(t *testing.T, line, q, label string) {
		var labels []string
		if label != "" {
			labels = []string{label}
		}
		hs := labelHeaders(labels)
		if len(line) > 0 && line[0]%2 == 0 {
			hs = append(hs, headers("service", label)...)
		}
		keep, full, ok := prefilterKeeps(filterSpec{q: q, services: []string{"api"}}, line, hs)
		if ok && !keep && full {
			t.Errorf("q %q on %q (label %q): prefilter ruled it out, the filter matches", q, line, label)
		}
	})
}

// TestRangeQWithPrefilter: a range query for q over text records (those
// the prefilter sees) finds every match, in a label, behind an escape or
// in non-ASCII text, and counts every record scanned.
func TestRangeQWithPrefilter(t *testing.T) {
	p := startPipeline(t, 2, Config{HistoryMargin: time.Second})
	base := time.Now().Add(-time.Hour).Truncate(time.Second)
	type line struct {
		value, label string
		match        bool
	}
	lines := []line{
		{`{"level":"info","msg":"nothing here"}`, "", false},
		{`{"level":"error","msg":"Disk Quota exceeded"}`, "", true},
		{"INFO plain line without it", "", false},
		{"WARN quota almost reached", "", true},
		{`level=info msg="escaped \"quota\" inside"`, "", true},
		{"ordinary words", "quota-team", true},
		{"Straße QUOTA Ünïcode", "", true},
		{"more filler text", "other", false},
	}
	var want []string
	for i := range 40 {
		l := lines[i%len(lines)]
		at := base.Add(time.Duration(i) * time.Second)
		m := &sarama.ProducerMessage{Topic: "logs", Partition: int32(i % 2), Timestamp: at, Value: sarama.StringEncoder(l.value)}
		if l.label != "" {
			m.Headers = []sarama.RecordHeader{{Key: []byte("label.team"), Value: []byte(l.label)}}
		}
		if i%4 == 0 {
			m.Headers = append(m.Headers, sarama.RecordHeader{Key: []byte("service"), Value: []byte("billing")})
		}
		if _, _, err := p.prod.SendMessage(m); err != nil {
			t.Fatal(err)
		}
		if l.match {
			want = append(want, fmt.Sprint(i))
		}
	}
	p.start(t, 2)
	p.published(t, 40)
	c := dial(t, p.rangeURL("from", rfc(base.Add(-time.Minute)), "to", rfc(base.Add(time.Minute)), "q", "quota"))
	c.hello()
	ms := c.untilType("end")
	var got []string
	for _, m := range ms {
		if m.Type == "entry" {
			got = append(got, m.Msg)
		}
	}
	var wantRaw []string
	for i := range 40 {
		if l := lines[i%len(lines)]; l.match {
			e, _ := consumer.Decode(&sarama.ConsumerMessage{Value: []byte(l.value)})
			wantRaw = append(wantRaw, e.Message)
		}
	}
	if !slices.Equal(got, wantRaw) {
		t.Errorf("matches: got %d %q, want %d %q", len(got), got, len(wantRaw), wantRaw)
	}
	if end := ms[len(ms)-1]; end.Scanned != 40 || end.Matched != int64(len(want)) {
		t.Errorf("end: got %+v, want 40 scanned, %d matched", end, len(want))
	}

	// By service: one record in 4 says billing in its header.
	c = dial(t, p.rangeURL("from", rfc(base.Add(-time.Minute)), "to", rfc(base.Add(time.Minute)), "service", "billing"))
	c.hello()
	ms = c.untilType("end")
	if n := len(entriesOf(ms)); n != 10 {
		t.Errorf("service=billing: got %d entries, want 10", n)
	}
	if end := ms[len(ms)-1]; end.Scanned != 40 {
		t.Errorf("service=billing: end %+v, want 40 scanned", end)
	}
}

func TestPrefilterServiceHost(t *testing.T) {
	billing := filterSpec{services: []string{"billing", "shop"}}
	tests := []struct {
		name     string
		spec     filterSpec
		value    string
		hs       []*sarama.RecordHeader
		wantKeep bool
		wantFull bool
	}{
		{"its service", billing, "INFO paid", headers("service", "billing"), true, true},
		{"another service", billing, "INFO paid", headers("service", "api"), false, false},
		{"another service, header in another case", billing, "INFO paid", headers("Service", "api"), false, false},
		{"empty header: the line says", billing, `{"service":"billing","msg":"paid"}`, headers("service", ""), true, true},
		{"no header: the line says", billing, `{"service":"billing","msg":"paid"}`, nil, true, true},
		{"no header, another service in the line", billing, `{"service":"api","msg":"paid"}`, nil, true, false},
		{"two service headers", billing, "INFO paid", headers("service", "api", "Service", "billing"), true, false},
		{"binary value", billing, "a\x00b", headers("service", "api"), false, false},
		{"invalid UTF-8 header", billing, "INFO paid", headers("service", "bill\xffing"), true, false},
		{"host", filterSpec{hosts: []string{"web-2"}}, "INFO x", headers("host", "web-1"), false, false},
		{"its host", filterSpec{hosts: []string{"web-2"}}, "INFO x", headers("host", "web-2"), true, true},
		{"service and q: q rules it out", filterSpec{services: []string{"api"}, q: "zzz"}, "INFO x", headers("service", "api"), false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			keep, full, ok := prefilterKeeps(tt.spec, tt.value, tt.hs)
			if !ok {
				t.Fatal("spec does not compile")
			}
			if keep != tt.wantKeep || full != tt.wantFull {
				t.Errorf("got keep %v, full match %v; want keep %v, full match %v", keep, full, tt.wantKeep, tt.wantFull)
			}
		})
	}
}
