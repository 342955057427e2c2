package parse

import (
	"fmt"
	"strings"
	"testing"

	"github.com/tailcast/tailcast/proto/logpb"
)

func TestIntoJSON(t *testing.T) {
	runIntoCases(t, []intoCase{
		{
			name:   "typical",
			line:   `{"time":"2026-01-02T15:04:05.123Z","level":"warn","msg":"disk almost full","disk":"/dev/sda1","used":0.93,"ok":false,"tags":["a", "b"],"extra":null}`,
			time:   "2026-01-02T15:04:05.123Z",
			level:  warn,
			msg:    "disk almost full",
			fields: `disk=/dev/sda1 used:=0.93 ok:=false tags:=["a","b"] extra:=null`,
		},
		{
			name:    "zap production with service",
			line:    `{"level":"error","ts":1767366245.123456,"caller":"api/handler.go:42","msg":"request failed","service":"checkout","error":"context deadline exceeded"}`,
			time:    "2026-01-02T15:04:05.123456Z",
			level:   erro,
			msg:     "request failed",
			fields:  `caller=api/handler.go:42 error=context deadline exceeded`,
			service: "checkout",
		},
		{
			name:   "pino numeric level and milliseconds",
			line:   `{"level":30,"time":1767366245123,"pid":7,"hostname":"web-1","msg":"listening"}`,
			time:   "2026-01-02T15:04:05.123Z",
			level:  info,
			msg:    "listening",
			fields: `pid:=7`,
			host:   "web-1",
		},
		{
			name:   "nanoseconds",
			line:   `{"ts":1767366245123456789,"msg":"x"}`,
			time:   "2026-01-02T15:04:05.123456789Z",
			msg:    "x",
			fields: ``,
		},
		{
			name:   "docker json-file",
			line:   `{"log":"GET /healthz 200\n","stream":"stdout","time":"2026-01-02T15:04:05.123456789Z"}`,
			time:   "2026-01-02T15:04:05.123456789Z",
			msg:    "GET /healthz 200",
			fields: `stream=stdout`,
		},
		{
			name:    "ECS with offset",
			line:    `{"@timestamp":"2026-01-02T15:04:05.000+01:00","log.level":"INFO","message":"started","service.name":"api"}`,
			time:    "2026-01-02T14:04:05Z",
			level:   info,
			msg:     "started",
			fields:  ``,
			service: "api",
		},
		{
			name:   "msg outranks message",
			line:   `{"message":"second","msg":"first"}`,
			msg:    "first",
			fields: `message=second`,
		},
		{
			name:   "escapes and surrogates",
			line:   `{"msg":"caf\u00e9 \"q\"\n\ud83d\ude00 \ud800x","k\u0041":"\/"}`,
			msg:    "café \"q\"\n😀 \uFFFDx",
			fields: `kA=/`,
		},
		{
			name:   "unparseable level stays a field",
			line:   `{"level":"loud","msg":"x","time":"yesterday"}`,
			msg:    "x",
			fields: `level=loud time=yesterday`,
		},
		{
			name:   "non-string message stays a field",
			line:   `{"msg":{"a":1},"n":-1.5e3}`,
			fields: `msg:={"a":1} n:=-1.5e3`,
		},
		{
			name:   "nested values compacted",
			line:   `{ "msg" : "m" , "ctx" : { "a" : [1, 2, {"b": "x y"}] , "c":true} }`,
			msg:    "m",
			fields: `ctx:={"a":[1,2,{"b":"x y"}],"c":true}`,
		},
		{
			name:   "stack trace after the object",
			line:   "{\"level\":\"error\",\"msg\":\"boom\"}\njava.lang.IllegalStateException: boom\n\tat a.B.c(B.java:1)",
			level:  erro,
			msg:    "boom\njava.lang.IllegalStateException: boom\n\tat a.B.c(B.java:1)",
			fields: ``,
		},
		{
			name: "unterminated falls back to plain",
			line: `{"msg": "unterminated`,
			msg:  `{"msg": "unterminated`,
		},
		{
			name: "trailing text falls back to plain",
			line: `{"msg":"x"} tail`,
			msg:  `{"msg":"x"} tail`,
		},
		{
			name: "bad literal falls back to plain",
			line: `{"a":tru}`,
			msg:  `{"a":tru}`,
		},
		{
			name: "leading zero is invalid",
			line: `{"a":01}`,
			msg:  `{"a":01}`,
		},
		{
			name: "top-level array is not an entry",
			line: `[1,2]`,
			msg:  `[1,2]`,
		},
		{name: "empty object", line: `{}`},
	})
}

func TestIntoJSONServiceAlreadySet(t *testing.T) {
	e := logpb.LogEntry{Service: "from-config"}
	Into(&e, []byte(`{"msg":"m","service":"from-line"}`))
	if e.Service != "from-config" {
		t.Errorf("service: got %q, want %q", e.Service, "from-config")
	}
	if got, want := fmtFields(e.Fields), "service=from-line"; got != want {
		t.Errorf("fields: got %s, want %s", got, want)
	}
}

func TestIntoJSONManyFields(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"msg":"m"`)
	var want []string
	for i := range 40 {
		fmt.Fprintf(&b, `,"k%d":%d`, i, i)
		want = append(want, fmt.Sprintf("k%d:=%d", i, i))
	}
	b.WriteString(`,"level":"info"}`)
	var e logpb.LogEntry
	Into(&e, []byte(b.String()))
	if got := fmtFields(e.Fields); got != strings.Join(want, " ") {
		t.Errorf("fields: got %s, want %s", got, strings.Join(want, " "))
	}
	if e.Level != info || e.Message != "m" {
		t.Errorf("got level %v message %q, want info \"m\"", e.Level, e.Message)
	}
}

func TestIntoJSONDeepNesting(t *testing.T) {
	line := `{"msg":"deep","v":` + strings.Repeat("[", 100000) + strings.Repeat("]", 100000) + `}`
	var e logpb.LogEntry
	Into(&e, []byte(line))
	if e.Message != "deep" || len(e.Fields) != 1 || len(e.Fields[0].Value) != 200000 {
		t.Errorf("got message %q with %d fields, want \"deep\" and the nested array", e.Message, len(e.Fields))
	}
}
