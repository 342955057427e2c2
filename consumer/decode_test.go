package consumer

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/IBM/sarama"
	"google.golang.org/protobuf/proto"

	"github.com/tailcast/tailcast/internal/genline"
	"github.com/tailcast/tailcast/proto/logpb"
)

var recTS = time.Date(2026, 11, 22, 19, 0, 0, 0, time.UTC)

func pbHeader() []*sarama.RecordHeader {
	return []*sarama.RecordHeader{{Key: []byte("content-type"), Value: []byte(ContentTypeProtobuf)}}
}

func mustMarshal(t testing.TB, e *logpb.LogEntry) []byte {
	t.Helper()
	b, err := proto.Marshal(e)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	return b
}

func TestDecodeProtobuf(t *testing.T) {
	full := &logpb.LogEntry{
		TimeUnixNano: 1, ReadTimeUnixNano: 2, Service: "api", Host: "web-1", Source: "/var/log/api.log",
		FileId: "801:1234:abcd", Offset: 4096, Level: logpb.Level_LEVEL_ERROR, Message: "payment failed\n\tat x",
		Fields: []*logpb.Field{{Key: "order", Value: "A-17"}, {Key: "amount", Value: "12.5", Json: true}},
		Raw:    []byte("raw \xff bytes"), Truncated: true,
	}
	noReadTime := &logpb.LogEntry{Service: "api", Message: "hello"}
	tests := []struct {
		name    string
		headers []*sarama.RecordHeader
		entry   *logpb.LogEntry
		want    *logpb.LogEntry
	}{
		{"all fields", pbHeader(), full, full},
		{"header case and parameters", []*sarama.RecordHeader{{Key: []byte("Content-Type"), Value: []byte("Application/X-Protobuf; v=1")}}, full, full},
		{"read time filled from record, raw from message", pbHeader(), noReadTime,
			&logpb.LogEntry{Service: "api", Message: "hello", Raw: []byte("hello"), ReadTimeUnixNano: recTS.UnixNano()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := &sarama.ConsumerMessage{Topic: "logs", Headers: tt.headers, Value: mustMarshal(t, tt.entry), Timestamp: recTS}
			got, err := Decode(msg)
			if err != nil {
				t.Fatalf("got error %v, want none", err)
			}
			if !proto.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestDecodeForeign(t *testing.T) {
	h := func(kv ...string) []*sarama.RecordHeader {
		var out []*sarama.RecordHeader
		for i := 0; i+1 < len(kv); i += 2 {
			out = append(out, &sarama.RecordHeader{Key: []byte(kv[i]), Value: []byte(kv[i+1])})
		}
		return out
	}
	eventTS := time.Date(2026, 11, 22, 19, 24, 37, 123456789, time.UTC).UnixNano()
	tests := []struct {
		name        string
		key         string
		headers     []*sarama.RecordHeader
		value       string
		wantService string
		wantHost    string
		wantLevel   logpb.Level
		wantMsg     string // substring
		wantTime    int64  // 0: the record timestamp
		wantRaw     string // "": value
		wantSource  string // "": kafka:logs
		wantTrunc   bool
		wantFields  string // fields as k=v joined by spaces, when not ""
	}{
		{name: "plain text", value: "something happened", wantService: "kafka", wantLevel: logpb.Level_LEVEL_UNKNOWN, wantMsg: "something happened"},
		{name: "plain text trailing newline", value: "line with eol  \r\n", wantService: "kafka", wantMsg: "line with eol", wantRaw: "line with eol  "},
		{name: "json level msg service time", value: `{"time":"2026-11-22T19:24:37.123456789Z","level":"error","msg":"payment failed","service":"billing","order":"A-17"}`,
			wantService: "billing", wantLevel: logpb.Level_LEVEL_ERROR, wantMsg: "payment failed", wantTime: eventTS},
		{name: "json message ts", value: `{"ts":"2026-11-22T19:24:37.123456789Z","level":"WARN","message":"disk almost full"}`,
			wantService: "kafka", wantLevel: logpb.Level_LEVEL_WARN, wantMsg: "disk almost full", wantTime: eventTS},
		{name: "json @timestamp", value: `{"@timestamp":"2026-11-22T19:24:37.123456789Z","level":"info","message":"started"}`,
			wantService: "kafka", wantLevel: logpb.Level_LEVEL_INFO, wantMsg: "started", wantTime: eventTS},
		{name: "service header beats json service and key", key: "orders", headers: h("service", "hdr"), value: `{"level":"debug","msg":"x","service":"json-svc"}`,
			wantService: "hdr", wantLevel: logpb.Level_LEVEL_DEBUG, wantMsg: "x", wantFields: "service=json-svc"},
		{name: "json service beats key", key: "orders", value: `{"level":"debug","msg":"x","service":"json-svc"}`,
			wantService: "json-svc", wantLevel: logpb.Level_LEVEL_DEBUG, wantMsg: "x"},
		{name: "first line format: key host:path, service host path label.K headers", key: "web-1:/var/log/api.log",
			headers:     h("service", "api", "host", "web-1", "path", "/var/log/api.log", "label.env", "prod", "label.team", "pay", "cut", "1"),
			value:       "2026-11-22T19:24:37.123456789Z WARN  [main] c.e.Api - slow \xff  ",
			wantService: "api", wantHost: "web-1", wantSource: "/var/log/api.log", wantTrunc: true, wantLevel: logpb.Level_LEVEL_WARN,
			wantMsg: "[main] c.e.Api - slow \uFFFD", wantTime: eventTS, wantFields: "env=prod team=pay"},
		{name: "meta header", headers: h("tc", "api\x00web-1\x00/var/log/api.log"),
			value:       "2026-11-22T19:24:37.123456789Z WARN  [main] c.e.Api - slow",
			wantService: "api", wantHost: "web-1", wantSource: "/var/log/api.log", wantLevel: logpb.Level_LEVEL_WARN,
			wantMsg: "[main] c.e.Api - slow", wantTime: eventTS},
		{name: "meta header labels cut", headers: h("tc", "api\x00web-1\x00/var/log/a\tpi.log\x00env\x00prod\x00team\x00", "cut", "1"),
			value:       "level=info msg=hi user=7",
			wantService: "api", wantHost: "web-1", wantSource: "/var/log/a\tpi.log", wantTrunc: true, wantLevel: logpb.Level_LEVEL_INFO,
			wantMsg: "hi", wantFields: "user=7 env=prod team="},
		{name: "meta header beats json service and key", key: "orders", headers: h("tc", "hdr\x00h\x00/p"), value: `{"level":"debug","msg":"x","service":"json-svc"}`,
			wantService: "hdr", wantHost: "h", wantSource: "/p", wantLevel: logpb.Level_LEVEL_DEBUG, wantMsg: "x", wantFields: "service=json-svc"},
		{name: "meta header default service", headers: h("tc", "\x00h\x00/var/log/orders.1.log"), value: `{"level":"debug","msg":"x","service":"json-svc"}`,
			wantService: "orders.1", wantHost: "h", wantSource: "/var/log/orders.1.log", wantLevel: logpb.Level_LEVEL_DEBUG, wantMsg: "x", wantFields: "service=json-svc"},
		{name: "meta header default service, invalid UTF-8 path", headers: h("tc", "\x00h\x00/var/log/b\xffd.log"), value: "hello",
			wantService: "b\uFFFDd", wantHost: "h", wantSource: "/var/log/b\uFFFDd.log", wantMsg: "hello"},
		{name: "foreign tc header without fields ignored", key: "orders", headers: h("tc", "trace-42"), value: "hello",
			wantService: "orders", wantMsg: "hello"},
		{name: "foreign tc header with an odd label ignored", key: "orders", headers: h("tc", "a\x00b\x00c\x00d"), value: "hello",
			wantService: "orders", wantMsg: "hello"},
		{name: "labels after the line's fields", headers: h("label.env", "prod"), value: `level=info msg=hi user=7`,
			wantService: "kafka", wantLevel: logpb.Level_LEVEL_INFO, wantMsg: "hi", wantFields: "user=7 env=prod"},
		{name: "service and host headers", key: "orders", headers: h("Service", "checkout", "host", "web-3"), value: "INFO ready",
			wantService: "checkout", wantHost: "web-3", wantMsg: "ready"},
		{name: "printable key as service", key: "orders", value: "hello", wantService: "orders", wantMsg: "hello"},
		{name: "binary key ignored", key: "\x00\x01\x02", value: "hello", wantService: "kafka", wantMsg: "hello"},
		{name: "logfmt", value: `level=warn msg="slow query" service=db dur=1.5s`, wantService: "db", wantLevel: logpb.Level_LEVEL_WARN, wantMsg: "slow query"},
		{name: "multi-line", value: "ERROR boom\n\tat a.b(C.java:1)\n\tat d.e(F.java:2)", wantService: "kafka", wantLevel: logpb.Level_LEVEL_ERROR, wantMsg: "at a.b(C.java:1)"},
		{name: "json array is text", value: `[1,2,3]`, wantService: "kafka", wantMsg: "[1,2,3]"},
		{name: "ansi colours kept as text", value: "\x1b[31mred alert\x1b[0m", wantService: "kafka", wantMsg: "red alert"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := &sarama.ConsumerMessage{Topic: "logs", Key: []byte(tt.key), Headers: tt.headers, Value: []byte(tt.value), Timestamp: recTS}
			got, err := Decode(msg)
			if err != nil {
				t.Fatalf("got error %v, want none", err)
			}
			if got.Service != tt.wantService {
				t.Errorf("service: got %q, want %q", got.Service, tt.wantService)
			}
			if got.Host != tt.wantHost {
				t.Errorf("host: got %q, want %q", got.Host, tt.wantHost)
			}
			wantSource := tt.wantSource
			if wantSource == "" {
				wantSource = "kafka:logs"
			}
			if got.Source != wantSource {
				t.Errorf("source: got %q, want %q", got.Source, wantSource)
			}
			if got.Truncated != tt.wantTrunc {
				t.Errorf("truncated: got %v, want %v", got.Truncated, tt.wantTrunc)
			}
			if tt.wantFields != "" {
				var fs []string
				for _, f := range got.Fields {
					fs = append(fs, f.Key+"="+f.Value)
				}
				if g := strings.Join(fs, " "); g != tt.wantFields {
					t.Errorf("fields: got %q, want %q", g, tt.wantFields)
				}
			}
			if tt.wantLevel != 0 && got.Level != tt.wantLevel {
				t.Errorf("level: got %v, want %v", got.Level, tt.wantLevel)
			}
			if !strings.Contains(got.Message, tt.wantMsg) {
				t.Errorf("message: got %q, want it to contain %q", got.Message, tt.wantMsg)
			}
			wantTime := tt.wantTime
			if wantTime == 0 {
				wantTime = recTS.UnixNano()
			}
			if got.TimeUnixNano != wantTime {
				t.Errorf("time: got %d, want %d", got.TimeUnixNano, wantTime)
			}
			if got.ReadTimeUnixNano != recTS.UnixNano() {
				t.Errorf("read time: got %d, want %d", got.ReadTimeUnixNano, recTS.UnixNano())
			}
			wantRaw := tt.wantRaw
			if wantRaw == "" {
				wantRaw = tt.value
			}
			if string(got.Raw) != wantRaw {
				t.Errorf("raw: got %q, want %q", got.Raw, wantRaw)
			}
		})
	}
}

func TestDecodeGarbage(t *testing.T) {
	huge := bytes.Repeat([]byte("0123456789abcdef"), (2<<20)/16) // 2 MiB of text
	hugeUTF8 := append(bytes.Repeat([]byte("x"), MaxValueBytes-1), "é and more"...)
	tests := []struct {
		name      string
		headers   []*sarama.RecordHeader
		value     []byte
		wantErr   error
		wantTrunc bool
		wantMsg   string // prefix
	}{
		{name: "empty", value: nil, wantErr: ErrEmptyRecord},
		{name: "random bytes", value: []byte{0x8f, 0x00, 0xff, 0xfe, 'a', 0xc3}, wantErr: ErrBinary, wantMsg: "\uFFFD\x00\uFFFD"},
		{name: "mostly not utf-8", value: []byte("\xe9\xe9\xe9\xe9 \xe9\xe9"), wantErr: ErrBinary, wantMsg: "\uFFFD"},
		{name: "nul bytes", value: []byte("a\x00b"), wantErr: ErrBinary, wantMsg: "a\x00b"},
		{name: "huge", value: huge, wantErr: ErrTooLarge, wantTrunc: true, wantMsg: "0123456789abcdef"},
		{name: "huge cut on rune boundary", value: hugeUTF8, wantErr: ErrTooLarge, wantTrunc: true, wantMsg: "xxx"},
		{name: "protobuf header, text body", headers: pbHeader(), value: []byte("not a protobuf at all"), wantErr: ErrBadProtobuf, wantMsg: "not a protobuf"},
		{name: "protobuf header, invalid utf-8 message", headers: pbHeader(),
			value: append([]byte{0x4a, 0x02}, 0xff, 0xfe), wantErr: ErrBadProtobuf},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := &sarama.ConsumerMessage{Topic: "logs", Partition: 2, Offset: 7, Headers: tt.headers, Value: tt.value, Timestamp: recTS}
			got, err := Decode(msg)
			if got == nil {
				t.Fatal("got nil entry, want a raw entry")
			}
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("got error %v, want %v", err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), "logs/2@7") {
				t.Errorf("got error %q, want it to name the record logs/2@7", err)
			}
			if !utf8.ValidString(got.Message) {
				t.Errorf("got invalid UTF-8 message %q", got.Message)
			}
			if len(got.Message) > MaxValueBytes || len(got.Raw) > MaxValueBytes {
				t.Errorf("got message %d raw %d bytes, want at most %d", len(got.Message), len(got.Raw), MaxValueBytes)
			}
			if got.Truncated != tt.wantTrunc {
				t.Errorf("truncated: got %v, want %v", got.Truncated, tt.wantTrunc)
			}
			if !strings.HasPrefix(got.Message, tt.wantMsg) {
				t.Errorf("message: got %.40q, want prefix %q", got.Message, tt.wantMsg)
			}
			if got.Source != "kafka:logs" || got.Service != "kafka" || got.Level != logpb.Level_LEVEL_UNKNOWN {
				t.Errorf("got source %q service %q level %v, want kafka:logs, kafka, unknown", got.Source, got.Service, got.Level)
			}
			if got.TimeUnixNano != recTS.UnixNano() {
				t.Errorf("time: got %d, want the record time %d", got.TimeUnixNano, recTS.UnixNano())
			}
			if !tt.wantTrunc && !bytes.Equal(got.Raw, tt.value) {
				t.Errorf("raw: got %q, want %q", got.Raw, tt.value)
			}
		})
	}
}

func TestDecodeMissingTimestamp(t *testing.T) {
	before := time.Now().UnixNano()
	got, err := Decode(&sarama.ConsumerMessage{Topic: "logs", Value: []byte("no timestamp")})
	if err != nil {
		t.Fatalf("got error %v, want none", err)
	}
	if got.ReadTimeUnixNano < before || got.TimeUnixNano != got.ReadTimeUnixNano {
		t.Errorf("got read time %d time %d, want now (>= %d) for both", got.ReadTimeUnixNano, got.TimeUnixNano, before)
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte("plain line"), []byte("key"), false)
	f.Add([]byte(`{"level":"error","msg":"x","service":"s","time":"2026-01-02T03:04:05Z"}`), []byte(nil), false)
	f.Add([]byte("level=info msg=hi"), []byte("\xff"), false)
	f.Add([]byte{0xff, 0x00, 0x8f}, []byte(nil), true)
	f.Add(mustMarshal(f, &logpb.LogEntry{Service: "a", Message: "m", Raw: []byte{0xff}}), []byte("k"), true)
	f.Fuzz(func(t *testing.T, value, key []byte, pb bool) {
		msg := &sarama.ConsumerMessage{Topic: "logs", Key: key, Value: value, Timestamp: recTS}
		if pb {
			msg.Headers = pbHeader()
		}
		e, err := Decode(msg)
		if e == nil {
			t.Fatalf("got nil entry (err %v)", err)
		}
		if !utf8.ValidString(e.Message) || !utf8.ValidString(e.Service) || !utf8.ValidString(e.Host) || !utf8.ValidString(e.Source) {
			t.Fatalf("got invalid UTF-8 in %q/%q/%q/%q", e.Message, e.Service, e.Host, e.Source)
		}
		if _, err := proto.Marshal(e); err != nil {
			t.Fatalf("entry does not marshal: %v", err)
		}
	})
}

func BenchmarkDecode(b *testing.B) {
	pb := mustMarshal(b, &logpb.LogEntry{
		TimeUnixNano: 1, ReadTimeUnixNano: 2, Service: "api", Host: "web-1", Source: "/var/log/api.log",
		Level: logpb.Level_LEVEL_INFO, Message: "GET /api/v1/orders 200 12ms", Raw: []byte("2026-11-22 19:00:00,000 INFO GET /api/v1/orders 200 12ms"),
	})
	cases := []struct {
		name    string
		headers []*sarama.RecordHeader
		value   []byte
	}{
		{"protobuf", pbHeader(), pb},
		{"json", nil, []byte(`{"time":"2026-11-22T19:24:37.5Z","level":"error","msg":"payment failed","service":"billing","order":"A-17","amount":12.5}`)},
		{"plain", nil, []byte("2026-11-22 19:00:00,000 INFO GET /api/v1/orders 200 12ms")},
	}
	tc := []*sarama.RecordHeader{{Key: []byte(logpb.HeaderMeta), Value: []byte("checkout\x00web-17\x00/var/log/checkout/checkout.log")}}
	cases = append(cases,
		struct {
			name    string
			headers []*sarama.RecordHeader
			value   []byte
		}{"tailcast-plain", tc, []byte("2026-01-02 15:04:05,004 ERROR [worker-21] org.acme.cache.RegionCache - order 8266743 accepted customer=c-46041 items=4 region=eu-west-2")},
		struct {
			name    string
			headers []*sarama.RecordHeader
			value   []byte
		}{"tailcast-json", tc, []byte(`{"ts":"2026-01-02T15:04:05.003Z","level":"info","msg":"connection pool exhausted","route":"/static/app.js","status":500,"dur_ms":1839}`)})
	g := genline.New(1)
	var mix []*sarama.ConsumerMessage
	var line []byte
	for range 1000 {
		line = g.Line(line[:0])
		mix = append(mix, &sarama.ConsumerMessage{Topic: "logs", Headers: tc, Value: bytes.Clone(bytes.TrimSuffix(line, []byte("\n"))), Timestamp: recTS})
	}
	b.Run("tailcast-genlines-mix", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if _, err := Decode(mix[i%len(mix)]); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			msg := &sarama.ConsumerMessage{Topic: "logs", Headers: c.headers, Value: c.value, Timestamp: recTS}
			b.ReportAllocs()
			b.SetBytes(int64(len(c.value)))
			for b.Loop() {
				if _, err := Decode(msg); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
