package pusher

import (
	"encoding/base64"
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tailcast/tailcast/proto/logpb"
)

func TestEntryLine(t *testing.T) {
	e := &logpb.LogEntry{
		TimeUnixNano: 1795375477123456789,
		Service:      "api\n", Host: "web-1", Source: "/var/log/a\".log",
		Level:   logpb.Level_LEVEL_ERROR,
		Message: "payment failed\n\tat x\xff\u2028",
		Fields: []*logpb.Field{
			{Key: "order", Value: "A-17"},
			{Key: "amount", Value: "12.5", Json: true},
			{Key: "obj", Value: "{\n  \"a\": [1, 2]\n}", Json: true},
			{Key: "bad", Value: "{not json", Json: true},
			{Key: "k\"ey", Value: "v\x00"},
		},
		Raw:       []byte("2026-11-22T19:24:37.123Z ERROR payment failed  \r\n\tat x\xff\u2028"),
		Truncated: true,
	}
	line := appendEntryLine(nil, []byte("AQE"), appendEntryBody(nil, e))
	if n := strings.Count(string(line), "\n"); n != 1 || line[len(line)-1] != '\n' {
		t.Fatalf("line %q: got %d newlines, want exactly one at the end", line, n)
	}
	var got struct {
		Type, Cursor, TS, Service, Host, Source, Level, Msg, Line string
		LineBytes                                                 []byte `json:"line_bytes"`
		Fields                                                    map[string]any
		Truncated                                                 bool
	}
	if err := json.Unmarshal(line, &got); err != nil {
		t.Fatalf("decode %q: %v", line, err)
	}
	checks := []struct{ name, got, want string }{
		{"type", got.Type, "entry"},
		{"cursor", got.Cursor, "AQE"},
		{"ts", got.TS, "2026-11-22T19:24:37.123456789Z"},
		{"service", got.Service, "api\n"},
		{"source", got.Source, "/var/log/a\".log"},
		{"level", got.Level, "error"},
		{"msg", got.Msg, "payment failed\n\tat x\ufffd\u2028"},
		{"line", got.Line, "2026-11-22T19:24:37.123Z ERROR payment failed  \r\n\tat x\ufffd\u2028"},
		{"line_bytes", string(got.LineBytes), string(e.Raw)},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, c.got, c.want)
		}
	}
	if !got.Truncated {
		t.Errorf("truncated: got false, want true")
	}
	if v, ok := got.Fields["amount"].(float64); !ok || v != 12.5 {
		t.Errorf("fields.amount: got %#v, want number 12.5", got.Fields["amount"])
	}
	if v, ok := got.Fields["obj"].(map[string]any); !ok || len(v["a"].([]any)) != 2 {
		t.Errorf("fields.obj: got %#v, want compacted object", got.Fields["obj"])
	}
	if v := got.Fields["bad"]; v != "{not json" {
		t.Errorf("fields.bad: got %#v, want it sent as a string", v)
	}
	if v := got.Fields["k\"ey"]; v != "v\x00" {
		t.Errorf("fields.k\"ey: got %#v, want %q", v, "v\x00")
	}
}

func TestEntryLineField(t *testing.T) {
	tests := []struct {
		name      string
		e         *logpb.LogEntry
		wantLine  string
		wantBytes bool
	}{
		{"raw, byte for byte", &logpb.LogEntry{Message: "done", Raw: []byte("INFO done \t ")}, "INFO done \t ", false},
		{"no raw: no line, the client reads msg", &logpb.LogEntry{Message: "done"}, "", false},
		{"line equal to msg: not repeated", &logpb.LogEntry{Message: "plain text", Raw: []byte("plain text")}, "", false},
		{"not UTF-8: also line_bytes", &logpb.LogEntry{Message: "a\ufffd", Raw: []byte("a\xff")}, "a\ufffd", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got struct {
				Line      string
				LineBytes []byte `json:"line_bytes"`
			}
			if err := json.Unmarshal(appendEntryLine(nil, []byte("x"), appendEntryBody(nil, tt.e)), &got); err != nil {
				t.Fatal(err)
			}
			if got.Line != tt.wantLine {
				t.Errorf("line: got %q, want %q", got.Line, tt.wantLine)
			}
			if (got.LineBytes != nil) != tt.wantBytes || (tt.wantBytes && string(got.LineBytes) != string(tt.e.Raw)) {
				t.Errorf("line_bytes: got %q, want present %v and equal to %q", got.LineBytes, tt.wantBytes, tt.e.Raw)
			}
		})
	}
}

func TestEntryTimeFallsBackToReadTime(t *testing.T) {
	e := &logpb.LogEntry{ReadTimeUnixNano: 1795375477000000000}
	var got struct{ TS string }
	line := appendEntryLine(nil, []byte("x"), appendEntryBody(nil, e))
	if err := json.Unmarshal(line, &got); err != nil {
		t.Fatal(err)
	}
	if want := "2026-11-22T19:24:37.000000000Z"; got.TS != want {
		t.Errorf("ts: got %q, want %q", got.TS, want)
	}
	if strings.Contains(string(line), "fields") || strings.Contains(string(line), "truncated") || strings.Contains(string(line), "line_bytes") {
		t.Errorf("line %q: want no fields, truncated or line_bytes keys", line)
	}
}

func TestCursorRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		v    []vecEntry
	}{
		{"empty", nil},
		{"one", []vecEntry{{0, 41}}},
		{"nothing yet", []vecEntry{{0, -1}, {1, 0}}},
		{"large", []vecEntry{{2, 1 << 40}, {7, 3}, {1<<31 - 1, 1<<63 - 2}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			owns := []int32{noPart}
			for _, e := range tt.v {
				owns = append(owns, e.part)
			}
			for _, own := range owns {
				b, _ := appendCursor(nil, nil, tt.v, own)
				for i, s := range []string{string(b), cursorV1Of(tt.v...)} {
					got, gotOwn, err := decodeCursorOwn(s)
					if err != nil {
						t.Fatalf("decode %q: %v", s, err)
					}
					if !slices.Equal(got, tt.v) {
						t.Fatalf("got %v, want %v", got, tt.v)
					}
					wantOwn := own
					if i == 1 { // version 1 names no partition
						wantOwn = noPart
					}
					if gotOwn != wantOwn {
						t.Fatalf("cursor %q: got own partition %d, want %d", s, gotOwn, wantOwn)
					}
				}
			}
		})
	}
}

func TestDecodeCursorRejects(t *testing.T) {
	for _, s := range []string{
		"", "!!!", "AA", // version 0
		cursorOf(vecEntry{1, 1})[:3],             // truncated
		cursorOf(vecEntry{1, 1}) + "AA",          // trailing
		cursorOf(vecEntry{3, 1}, vecEntry{1, 1}), // not ascending
		"Af____________8B",                       // count too large
		func() string { b, _ := appendCursor(nil, nil, []vecEntry{{1, 1}}, 2); return string(b) }(), // own not in the vector
		base64.RawURLEncoding.EncodeToString([]byte{cursorVersion, 1, 1, 2}),                        // own missing
	} {
		if _, err := decodeCursor(s); err == nil {
			t.Errorf("decodeCursor(%q): got nil error, want one", s)
		}
	}
}

func BenchmarkEncode(b *testing.B) {
	e := entry("api", "web-1", logpb.Level_LEVEL_INFO, `GET /api/v1/orders/12345 200 12.5ms user="alice" agent="Mozilla/5.0 (X11; Linux x86_64)"`)
	e.Fields = []*logpb.Field{{Key: "status", Value: "200", Json: true}, {Key: "path", Value: "/api/v1/orders/12345"}}
	cur := []byte(cursorOf(vecEntry{0, 123456}, vecEntry{1, 654321}, vecEntry{2, 42}))
	body := make([]byte, 0, 512)
	line := make([]byte, 0, 512)
	b.ReportAllocs()
	for b.Loop() {
		body = appendEntryBody(body[:0], e)
		line = appendEntryLine(line[:0], cur, body)
	}
	b.SetBytes(int64(len(line)))
}

// TestAppendTimestamp: the digit-by-digit timestamp is AppendFormat's,
// and years outside 0–9999 fall back to it.
func TestAppendTimestamp(t *testing.T) {
	tests := []struct {
		name string
		ns   int64
	}{
		{"epoch", 0},
		{"a nanosecond after", 1},
		{"before the epoch", -1},
		{"now-ish", 1765000000123456789},
		{"whole second", 1765000000000000000},
		{"leap day", time.Date(2024, 2, 29, 23, 59, 59, 999999999, time.UTC).UnixNano()},
		{"year end", time.Date(1999, 12, 31, 23, 59, 59, 5, time.UTC).UnixNano()},
		{"earliest int64", math.MinInt64},
		{"latest int64", math.MaxInt64},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := time.Unix(0, tt.ns).UTC().AppendFormat([]byte("x"), tsLayout)
			if got := appendTimestamp([]byte("x"), tt.ns); string(got) != string(want) {
				t.Fatalf("got %q, want %q", got, want)
			}
		})
	}
	for ns := int64(-1e12); ns < 4e18; ns += 7_777_777_777_777_777 {
		want := time.Unix(0, ns).UTC().AppendFormat(nil, tsLayout)
		if got := appendTimestamp(nil, ns); string(got) != string(want) {
			t.Fatalf("%d: got %q, want %q", ns, got, want)
		}
	}
}
