package parse

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/tailcast/tailcast/internal/loghub"
	"github.com/tailcast/tailcast/proto/logpb"
)

const (
	unk   = logpb.Level_LEVEL_UNKNOWN
	trace = logpb.Level_LEVEL_TRACE
	debug = logpb.Level_LEVEL_DEBUG
	info  = logpb.Level_LEVEL_INFO
	warn  = logpb.Level_LEVEL_WARN
	erro  = logpb.Level_LEVEL_ERROR
	fatal = logpb.Level_LEVEL_FATAL
)

// fixedNow pins the clock used for year inference for the duration of a
// test.
func fixedNow(t *testing.T, at string) {
	t.Helper()
	n, err := time.Parse(time.RFC3339, at)
	if err != nil {
		t.Fatal(err)
	}
	old := now
	now = func() time.Time { return n }
	t.Cleanup(func() { now = old })
}

// ts converts an RFC 3339 time to Unix nanoseconds; "" is 0.
func ts(t *testing.T, s string) int64 {
	t.Helper()
	if s == "" {
		return 0
	}
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return v.UnixNano()
}

type intoCase struct {
	name    string
	line    string
	time    string // RFC 3339, "" for none
	level   logpb.Level
	msg     string
	fields  string // fmtFields form
	service string
	host    string
}

// fmtFields renders fields as `k=v k:=json …` for compact expectations.
func fmtFields(fs []*logpb.Field) string {
	var b strings.Builder
	for i, f := range fs {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(f.Key)
		if f.Json {
			b.WriteByte(':')
		}
		b.WriteByte('=')
		b.WriteString(f.Value)
	}
	return b.String()
}

func runIntoCases(t *testing.T, cases []intoCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var e logpb.LogEntry
			Into(&e, []byte(tc.line))
			if want := ts(t, tc.time); e.TimeUnixNano != want {
				t.Errorf("time: got %s, want %s", time.Unix(0, e.TimeUnixNano).UTC().Format(time.RFC3339Nano), tc.time)
			}
			if e.Level != tc.level {
				t.Errorf("level: got %v, want %v", e.Level, tc.level)
			}
			if e.Message != tc.msg {
				t.Errorf("message:\ngot  %q\nwant %q", e.Message, tc.msg)
			}
			if got := fmtFields(e.Fields); got != tc.fields {
				t.Errorf("fields:\ngot  %s\nwant %s", got, tc.fields)
			}
			if e.Service != tc.service {
				t.Errorf("service: got %q, want %q", e.Service, tc.service)
			}
			if e.Host != tc.host {
				t.Errorf("host: got %q, want %q", e.Host, tc.host)
			}
		})
	}
}

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

func TestIntoLogfmt(t *testing.T) {
	runIntoCases(t, []intoCase{
		{
			name:   "logrus",
			line:   `time="2026-01-02T15:04:05Z" level=info msg="user logged in" user=alice latency=12ms`,
			time:   "2026-01-02T15:04:05Z",
			level:  info,
			msg:    "user logged in",
			fields: `user=alice latency=12ms`,
		},
		{
			name:   "slog text handler",
			line:   `time=2026-01-02T15:04:05.000+01:00 level=WARN msg="slow query" db.statement="SELECT 1" duration=1.5s`,
			time:   "2026-01-02T14:04:05Z",
			level:  warn,
			msg:    "slow query",
			fields: `db.statement=SELECT 1 duration=1.5s`,
		},
		{
			name:    "escapes, empty value, service",
			line:    `level=error msg="failed: \"x\" not found" err="a\nb" empty= service=billing`,
			level:   erro,
			msg:     `failed: "x" not found`,
			fields:  "err=a\nb empty=",
			service: "billing",
		},
		{
			name:   "unix time and continuation line",
			line:   "ts=1767366245 lvl=dbg msg=tick\n  extra detail",
			time:   "2026-01-02T15:04:05Z",
			level:  debug,
			msg:    "tick\nextra detail",
			fields: ``,
		},
		{name: "one pair is not logfmt", line: `user=alice`, msg: `user=alice`},
		{name: "prose after pairs is not logfmt", line: `key=value and some text`, msg: `key=value and some text`},
		{name: "unterminated quote", line: `a=1 msg="oops`, msg: `a=1 msg="oops`},
	})
}

func TestIntoPlain(t *testing.T) {
	fixedNow(t, "2026-06-01T00:00:00Z")
	runIntoCases(t, []intoCase{
		// loghub samples.
		{
			name:  "Apache error",
			line:  `[Sun Dec 04 04:47:44 2005] [error] mod_jk child workerEnv in error state 6`,
			time:  "2005-12-04T04:47:44Z",
			level: erro,
			msg:   "mod_jk child workerEnv in error state 6",
		},
		{
			name:  "Apache notice",
			line:  `[Sun Dec 04 04:51:08 2005] [notice] jk2_init() Found child 6725 in scoreboard slot 10`,
			time:  "2005-12-04T04:51:08Z",
			level: info,
			msg:   "jk2_init() Found child 6725 in scoreboard slot 10",
		},
		{
			name:  "Apache 2.4 module:level",
			line:  `[Wed Oct 11 14:32:52.123456 2000] [core:error] [pid 35708:tid 4328636416] [client 72.15.99.187:53718] AH00037: Symbolic link not allowed`,
			time:  "2000-10-11T14:32:52.123456Z",
			level: erro,
			msg:   "[pid 35708:tid 4328636416] [client 72.15.99.187:53718] AH00037: Symbolic link not allowed",
		},
		{
			name:   "HDFS info",
			line:   `081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 for block blk_38865049064139660 terminating`,
			time:   "2008-11-09T20:36:15Z",
			level:  info,
			msg:    "dfs.DataNode$PacketResponder: PacketResponder 1 for block blk_38865049064139660 terminating",
			fields: "thread=148",
		},
		{
			name:   "HDFS warn",
			line:   `081109 214043 2561 WARN dfs.DataNode$DataXceiver: 10.251.30.85:50010:Got exception while serving blk_-2918118818249673980 to /10.251.90.64:`,
			time:   "2008-11-09T21:40:43Z",
			level:  warn,
			msg:    "dfs.DataNode$DataXceiver: 10.251.30.85:50010:Got exception while serving blk_-2918118818249673980 to /10.251.90.64:",
			fields: "thread=2561",
		},
		{
			name:   "OpenSSH",
			line:   `Dec 10 06:55:46 LabSZ sshd[24200]: Invalid user webmaster from 173.234.31.186`,
			time:   "2025-12-10T06:55:46Z",
			msg:    "sshd[24200]: Invalid user webmaster from 173.234.31.186",
			fields: "host=LabSZ",
		},
		{
			name:   "syslog space-padded day",
			line:   `Jun  1 00:00:01 web-1 CRON[812]: (root) CMD (run-parts /etc/cron.hourly)`,
			time:   "2026-06-01T00:00:01Z",
			msg:    "CRON[812]: (root) CMD (run-parts /etc/cron.hourly)",
			fields: "host=web-1",
		},
		{
			name:  "Spark",
			line:  `17/06/09 20:10:40 INFO executor.CoarseGrainedExecutorBackend: Registered signal handlers for [TERM, HUP, INT]`,
			time:  "2017-06-09T20:10:40Z",
			level: info,
			msg:   "executor.CoarseGrainedExecutorBackend: Registered signal handlers for [TERM, HUP, INT]",
		},
		{
			name:  "Spark warn",
			line:  `17/06/09 20:11:11 WARN storage.BlockManager: Block rdd_2_3 already exists on this machine; not re-adding it`,
			time:  "2017-06-09T20:11:11Z",
			level: warn,
			msg:   "storage.BlockManager: Block rdd_2_3 already exists on this machine; not re-adding it",
		},
		{
			name:   "Android",
			line:   `03-17 16:13:38.811  1702  2395 D WindowManager: printFreezingDisplayLogsopening app wtoken = AppWindowToken{9f4ef63 token=Token{a64f992 ActivityRecord{de9231d u0 com.tencent.qt.qtl/.activity.info.NewsDetailXmlActivity t761}}}, allDrawn= false`,
			time:   "2026-03-17T16:13:38.811Z",
			level:  debug,
			msg:    "WindowManager: printFreezingDisplayLogsopening app wtoken = AppWindowToken{9f4ef63 token=Token{a64f992 ActivityRecord{de9231d u0 com.tencent.qt.qtl/.activity.info.NewsDetailXmlActivity t761}}}, allDrawn= false",
			fields: "pid=1702 tid=2395",
		},
		{
			name:   "Android warn",
			line:   `03-17 16:13:38.935  1702  3697 W ActivityManager: getRunningAppProcesses: caller 10113 does not hold REAL_GET_TASKS; limiting output`,
			time:   "2026-03-17T16:13:38.935Z",
			level:  warn,
			msg:    "ActivityManager: getRunningAppProcesses: caller 10113 does not hold REAL_GET_TASKS; limiting output",
			fields: "pid=1702 tid=3697",
		},

		// Syslog.
		{
			name:   "RFC 3164 with PRI",
			line:   `<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8`,
			time:   "2025-10-11T22:14:15Z",
			level:  fatal,
			msg:    "su: 'su root' failed for lonvick on /dev/pts/8",
			fields: "host=mymachine",
		},
		{
			name:  "RFC 3164 without host",
			line:  `<13>Feb  5 17:32:18 sshd[42]: Accepted publickey for git`,
			time:  "2026-02-05T17:32:18Z",
			level: info,
			msg:   "sshd[42]: Accepted publickey for git",
		},
		{
			name:   "RFC 5424 with structured data and BOM",
			line:   "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut=\"3\" eventSource=\"Application\" eventID=\"1011\"] \uFEFFAn application event log entry...",
			time:   "2003-10-11T22:14:15.003Z",
			level:  info,
			msg:    "An application event log entry...",
			fields: `host=mymachine.example.com app=evntslog msgid=ID47 sd=[exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"]`,
		},
		{
			name:   "RFC 5424 nil SD and escaped bracket",
			line:   `<11>1 2026-01-02T15:04:05.000001+00:00 host app 1234 - [x@1 a="b\]c"][y@1] disk failed`,
			time:   "2026-01-02T15:04:05.000001Z",
			level:  erro,
			msg:    "disk failed",
			fields: `host=host app=app procid=1234 sd=[x@1 a="b\]c"][y@1]`,
		},
		{
			name:   "RFC 5424 no message",
			line:   `<15>1 - - - - - -`,
			level:  debug,
			fields: ``,
		},

		// Access logs.
		{
			name:   "nginx combined 200",
			line:   `203.0.113.7 - - [02/Jan/2026:15:04:05 +0000] "GET /api/v1/items?id=3 HTTP/1.1" 200 612 "-" "curl/8.5.0"`,
			time:   "2026-01-02T15:04:05Z",
			level:  info,
			msg:    `"GET /api/v1/items?id=3 HTTP/1.1" 200 612 "-" "curl/8.5.0"`,
			fields: `remote_addr=203.0.113.7 method=GET path=/api/v1/items?id=3 status:=200 bytes:=612`,
		},
		{
			name:   "Apache combined 502 with user and zone",
			line:   `198.51.100.23 - bob [02/Jan/2026:15:04:05 -0700] "POST /checkout HTTP/2.0" 502 157 "https://shop.example/cart" "Mozilla/5.0 (X11; Linux x86_64)"`,
			time:   "2026-01-02T22:04:05Z",
			level:  erro,
			msg:    `"POST /checkout HTTP/2.0" 502 157 "https://shop.example/cart" "Mozilla/5.0 (X11; Linux x86_64)"`,
			fields: `remote_addr=198.51.100.23 user=bob method=POST path=/checkout status:=502 bytes:=157`,
		},
		{
			name:   "common log 404 no body",
			line:   `::1 - - [02/Jan/2026:15:04:05 +0000] "GET /missing HTTP/1.0" 404 -`,
			time:   "2026-01-02T15:04:05Z",
			level:  warn,
			msg:    `"GET /missing HTTP/1.0" 404 -`,
			fields: `remote_addr=::1 method=GET path=/missing status:=404`,
		},

		// Common application shapes.
		{
			name:  "log4j comma millis",
			line:  `2026-01-02 15:04:05,000 ERROR Connection refused`,
			time:  "2026-01-02T15:04:05Z",
			level: erro,
			msg:   "Connection refused",
		},
		{
			name:  "log4j thread before level keeps the message",
			line:  `2026-01-02 15:04:05,123 [http-nio-8080-exec-1] WARN  c.e.web.Controller - slow request`,
			time:  "2026-01-02T15:04:05.123Z",
			level: warn,
			msg:   "[http-nio-8080-exec-1] WARN  c.e.web.Controller - slow request",
		},
		{
			name: "upper-case word in prose is not a level",
			line: `2026/01/02 15:04:05 sending ALERT to ops`,
			time: "2026-01-02T15:04:05Z",
			msg:  "sending ALERT to ops",
		},
		{
			name:  "ISO Z and bracketed level",
			line:  `2026-01-02T15:04:05.000Z [INFO] server started on :8080`,
			time:  "2026-01-02T15:04:05Z",
			level: info,
			msg:   "server started on :8080",
		},
		{
			name:  "leading level then time",
			line:  `INFO 2026-01-02 15:04:05,000 worker.py:12 job done`,
			time:  "2026-01-02T15:04:05Z",
			level: info,
			msg:   "worker.py:12 job done",
		},
		{
			name:  "leading bracketed level then bracketed time",
			line:  `[WARN] [2026-01-02T15:04:05+02:00] cache miss ratio high`,
			time:  "2026-01-02T13:04:05Z",
			level: warn,
			msg:   "cache miss ratio high",
		},
		{
			name:  "bracketed level only",
			line:  `[error] upstream timed out`,
			level: erro,
			msg:   "upstream timed out",
		},
		{
			name:  "bracketed time",
			line:  `[2026-01-02 15:04:05] [info] started`,
			time:  "2026-01-02T15:04:05Z",
			level: info,
			msg:   "started",
		},
		{
			name: "Go log",
			line: `2026/01/02 15:04:05 listening on :8080`,
			time: "2026-01-02T15:04:05Z",
			msg:  "listening on :8080",
		},
		{
			name:  "Go log with microseconds and Error:",
			line:  `2026/01/02 15:04:05.123456 Error: open config.yaml: no such file or directory`,
			time:  "2026-01-02T15:04:05.123456Z",
			level: erro,
			msg:   "open config.yaml: no such file or directory",
		},
		{
			name: "prose word is not a level",
			line: `2026/01/02 15:04:05 Error opening file`,
			time: "2026-01-02T15:04:05Z",
			msg:  "Error opening file",
		},
		{
			name:  "slog default logger",
			line:  `2026/01/02 15:04:05 INFO hello count=3`,
			time:  "2026-01-02T15:04:05Z",
			level: info,
			msg:   "hello count=3",
		},
		{
			name:  "zap console development",
			line:  "2026-01-02T15:04:05.123+0100\tINFO\tserver/main.go:42\tstarted\t{\"port\": 8080}",
			time:  "2026-01-02T14:04:05.123Z",
			level: info,
			msg:   "server/main.go:42\tstarted\t{\"port\": 8080}",
		},
		{
			name:  "zap console lower case",
			line:  "2026-01-02T15:04:05.123Z\twarn\tdisk slow",
			time:  "2026-01-02T15:04:05.123Z",
			level: warn,
			msg:   "disk slow",
		},
		{
			name:  "Python logging default",
			line:  `WARNING:root:disk space low`,
			level: warn,
			msg:   "root:disk space low",
		},
		{
			name:  "Python asctime - name - level",
			line:  `2026-01-02 15:04:05,123 - myapp.db - ERROR - query failed`,
			time:  "2026-01-02T15:04:05.123Z",
			level: erro,
			msg:   "myapp.db - ERROR - query failed",
		},
		{
			name:  "PostgreSQL",
			line:  `2026-01-02 15:04:05.123 UTC [1234] ERROR:  relation "users" does not exist`,
			time:  "2026-01-02T15:04:05.123Z",
			level: erro,
			msg:   `[1234] ERROR:  relation "users" does not exist`,
		},
		{
			name:  "leading ERROR:",
			line:  `ERROR: relation "users" does not exist`,
			level: erro,
			msg:   `relation "users" does not exist`,
		},
		{
			name:   "klog",
			line:   `I0102 15:04:05.123456    1234 main.go:42] Starting server`,
			time:   "2026-01-02T15:04:05.123456Z",
			level:  info,
			msg:    "main.go:42] Starting server",
			fields: "thread=1234",
		},
		{
			name:  "stack trace joined to the line",
			line:  "2026-01-02 15:04:05,000 ERROR [main] App - failed\njava.lang.IllegalStateException: boom\n\tat App.main(App.java:10)",
			time:  "2026-01-02T15:04:05Z",
			level: erro,
			msg:   "[main] App - failed\njava.lang.IllegalStateException: boom\n\tat App.main(App.java:10)",
		},
		{
			name:  "CRLF",
			line:  "2026-01-02 15:04:05 INFO done\r",
			time:  "2026-01-02T15:04:05Z",
			level: info,
			msg:   "done",
		},

		// Unknown.
		{name: "prose", line: `hello world`, msg: "hello world"},
		{name: "title-case prose", line: `Error opening file`, msg: "Error opening file"},
		{name: "time running into text", line: `2026-01-02T15:04:05Zfoo bar`, msg: "2026-01-02T15:04:05Zfoo bar"},
		{name: "impossible date", line: `2026-02-30 15:04:05 INFO x`, msg: "2026-02-30 15:04:05 INFO x"},
		{name: "empty", line: ``},
		{name: "blank", line: " \t\r"},
	})
}

func TestIntoInvalidUTF8(t *testing.T) {
	tests := []struct {
		name, line, msg, fields string
	}{
		{"plain", "2026-01-02 15:04:05 INFO caf\xc3\x28 \xff ok", "caf\uFFFD( \uFFFD ok", ""},
		{"json", "{\"msg\":\"a\xffb\",\"k\xfe\":\"v\xc0\"}", "a\uFFFDb", "k\uFFFD=v\uFFFD"},
		{"unknown", "\xff\xfe plain", "\uFFFD plain", ""}, // ToValidUTF8 merges a run of invalid bytes
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var e logpb.LogEntry
			Into(&e, []byte(tc.line))
			if e.Message != tc.msg {
				t.Errorf("message: got %q, want %q", e.Message, tc.msg)
			}
			if got := fmtFields(e.Fields); got != tc.fields {
				t.Errorf("fields: got %q, want %q", got, tc.fields)
			}
		})
	}
}

func TestIntoReplacesParsedAndKeepsSourceFields(t *testing.T) {
	e := logpb.LogEntry{
		Raw: []byte("raw"), Source: "/var/log/app.log", Host: "h", FileId: "f", Offset: 42,
		TimeUnixNano: 7, Level: erro, Message: "old", Fields: []*logpb.Field{{Key: "old"}},
	}
	Into(&e, []byte("hello"))
	if e.TimeUnixNano != 0 || e.Level != unk || e.Message != "hello" || len(e.Fields) != 0 {
		t.Errorf("got time %d level %v message %q fields %v, want 0 unknown \"hello\" none", e.TimeUnixNano, e.Level, e.Message, e.Fields)
	}
	if string(e.Raw) != "raw" || e.Source != "/var/log/app.log" || e.Host != "h" || e.FileId != "f" || e.Offset != 42 {
		t.Errorf("source fields changed: %v", &e)
	}
}

func TestIntoNoCopy(t *testing.T) {
	lines := []string{
		`{"ts":"2026-01-02T15:04:05Z","level":"warn","msg":"slow","route":"/a","ms":12}`,
		`ts=2026-01-02T15:04:05Z level=info msg=ok route=/b`,
		`2026-01-02 15:04:05,000 ERROR plain line`,
	}
	for _, line := range lines {
		t.Run(line[:12], func(t *testing.T) {
			var want, got logpb.LogEntry
			Into(&want, []byte(line))
			buf := []byte(line)
			IntoNoCopy(&got, buf)
			if got.Message != want.Message || fmtFields(got.Fields) != fmtFields(want.Fields) || got.Level != want.Level || got.TimeUnixNano != want.TimeUnixNano {
				t.Fatalf("got %v, want %v", &got, &want)
			}
			// Into copies; IntoNoCopy aliases the line.
			copied := want.Message
			Into(&want, buf)
			for i := range buf {
				buf[i] = 'x'
			}
			if want.Message != copied {
				t.Errorf("Into: message changed with the line: got %q, want %q", want.Message, copied)
			}
			if got.Message == copied {
				t.Errorf("IntoNoCopy: message %q did not change with the line", got.Message)
			}
			// Parsing again into the same entry reuses its fields.
			buf = []byte(line)
			if n := testing.AllocsPerRun(100, func() { IntoNoCopy(&got, buf) }); n != 0 {
				t.Errorf("allocations per IntoNoCopy into a reused entry: got %v, want 0", n)
			}
		})
	}
}

func TestInferredYear(t *testing.T) {
	tests := []struct {
		now, line, want string
	}{
		{"2026-06-01T00:00:00Z", "Dec 10 06:55:46 h a: x", "2025-12-10T06:55:46Z"},
		{"2026-12-31T00:00:00Z", "Dec 10 06:55:46 h a: x", "2026-12-10T06:55:46Z"},
		{"2026-01-01T00:10:00Z", "Dec 31 23:59:59 h a: x", "2025-12-31T23:59:59Z"},
		{"2026-01-01T00:10:00Z", "Jan  1 20:00:00 h a: x", "2026-01-01T20:00:00Z"}, // a few hours ahead: zone skew
		{"2026-06-01T00:00:00Z", "Feb 29 12:00:00 h a: x", "2024-02-29T12:00:00Z"},
		{"2028-03-01T00:00:00Z", "02-29 12:00:00.000  1  2 I T: x", "2028-02-29T12:00:00Z"},
	}
	for _, tc := range tests {
		t.Run(tc.now+" "+tc.line, func(t *testing.T) {
			fixedNow(t, tc.now)
			var e logpb.LogEntry
			Into(&e, []byte(tc.line))
			if got := time.Unix(0, e.TimeUnixNano).UTC().Format(time.RFC3339Nano); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}

func TestUnixNumber(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"1767366245", 1767366245e9, true},
		{"1767366245.5", 1767366245500000000, true},
		{"1767366245123", 1767366245123e6, true},
		{"1767366245123.5", 1767366245123500000, true},
		{"1767366245123456", 1767366245123456e3, true},
		{"1767366245123456789", 1767366245123456789, true},
		{"0", 0, true},
		{"99999999999999999999", 0, false},
		{"-5", 0, false},
		{"1.", 0, false},
		{"1e9", 0, false},
		{"", 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, ok := unixNumber(tc.in)
			if got != tc.want || ok != tc.ok {
				t.Errorf("got %d %v, want %d %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestParseLevel(t *testing.T) {
	tests := []struct {
		in   string
		want logpb.Level
		ok   bool
	}{
		{"INFO", info, true},
		{" Warning ", warn, true},
		{"err", erro, true},
		{"E", erro, true},
		{"crit", fatal, true},
		{"DPANIC", erro, true},
		{"notice", info, true},
		{"trace", trace, true},
		{"DEBUG", debug, true},
		{"unknown", unk, false},
		{"loud", unk, false},
		{"", unk, false},
		{"informationalxxx", unk, false},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, ok := ParseLevel(tc.in)
			if got != tc.want || ok != tc.ok {
				t.Errorf("got %v %v, want %v %v", got, ok, tc.want, tc.ok)
			}
		})
	}
	for l := unk; l <= fatal; l++ {
		if got, ok := ParseLevel(LevelName(l)); l != unk && (got != l || !ok) {
			t.Errorf("ParseLevel(LevelName(%v)): got %v %v, want %v true", l, got, ok, l)
		}
	}
	if got := LevelName(99); got != "unknown" {
		t.Errorf("LevelName(99): got %q, want unknown", got)
	}
}

// TestIntoLoghub runs every sample line of each loghub format and checks
// what every line of that format must yield.
func TestIntoLoghub(t *testing.T) {
	fixedNow(t, "2026-06-01T00:00:00Z")
	tests := []struct {
		file       string
		from, to   string // time range
		levelKnown bool
		msgPrefix  func(line string) int // where the message starts in line
	}{
		{"Android", "2026-03-17T00:00:00Z", "2026-03-18T00:00:00Z", true, func(l string) int { return 33 }},
		{"Apache", "2005-12-04T00:00:00Z", "2005-12-06T00:00:00Z", true, func(l string) int {
			return strings.Index(l, "] [") + 3 + strings.Index(l[strings.Index(l, "] [")+3:], "] ") + 2
		}},
		{"HDFS", "2008-11-09T00:00:00Z", "2008-11-12T00:00:00Z", true, func(l string) int { return strings.Index(l, " dfs.") + 1 }},
		{"OpenSSH", "2025-12-10T00:00:00Z", "2025-12-11T00:00:00Z", false, func(l string) int { return strings.Index(l, " sshd[") + 1 }},
		{"Spark", "2017-06-09T00:00:00Z", "2017-06-10T00:00:00Z", true, func(l string) int { return 19 + strings.IndexByte(l[18:], ' ') }},
		{"BGL", "2005-06-03T00:00:00Z", "2006-01-04T00:00:00Z", true, func(l string) int { return afterColumns(l, 9) }},
		{"HPC", "2003-08-06T00:00:00Z", "2006-04-28T00:00:00Z", false, func(l string) int { return afterColumns(l, 6) }},
		{"Proxifier", "2025-07-26T00:00:00Z", "2025-10-31T00:00:00Z", false, func(l string) int { return strings.Index(l, " - ") + 3 }},
		{"Windows", "2016-09-28T00:00:00Z", "2016-09-30T00:00:00Z", true, func(l string) int { return afterColumns(l, 4) }},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			lines := loghub.First(t, tc.file, -1)
			from, to := ts(t, tc.from), ts(t, tc.to)
			for n, line := range lines {
				var e logpb.LogEntry
				Into(&e, []byte(line))
				if e.TimeUnixNano < from || e.TimeUnixNano >= to {
					t.Errorf("line %d: time %s not in [%s, %s)", n+1, time.Unix(0, e.TimeUnixNano).UTC(), tc.from, tc.to)
				}
				if tc.levelKnown == (e.Level == unk) {
					t.Errorf("line %d: level %v, want known %v", n+1, e.Level, tc.levelKnown)
				}
				if want := strings.TrimSpace(line[tc.msgPrefix(line):]); e.Message != want {
					t.Errorf("line %d: message:\ngot  %q\nwant %q", n+1, e.Message, want)
				}
			}
		})
	}
}

// afterColumns is the index in l after its first n blank-separated columns.
func afterColumns(l string, n int) int {
	i := 0
	for range n {
		for i < len(l) && l[i] == ' ' {
			i++
		}
		for i < len(l) && l[i] != ' ' {
			i++
		}
	}
	return i
}

func FuzzInto(f *testing.F) {
	for _, file := range loghub.Datasets {
		for _, l := range loghub.First(f, file, 10) {
			f.Add([]byte(l))
		}
	}
	for _, l := range benchLines {
		f.Add([]byte(l.line))
	}
	f.Add([]byte("{\"msg\":\"a\\ud800\",\"x\":[1,{\"y\":null}]}\n\tat x"))
	f.Add([]byte("<165>1 2003-10-11T22:14:15.003Z h a - ID47 [a b=\"\\]\"] \xef\xbb\xbfmsg"))
	f.Fuzz(func(t *testing.T, line []byte) {
		var e logpb.LogEntry
		Into(&e, line)
		if !utf8.ValidString(e.Message) {
			t.Fatalf("message not valid UTF-8: %q", e.Message)
		}
		if e.Level < unk || e.Level > fatal {
			t.Fatalf("level out of range: %v", e.Level)
		}
		if !utf8.ValidString(e.Service) {
			t.Fatalf("service not valid UTF-8: %q", e.Service)
		}
		for _, fl := range e.Fields {
			if !utf8.ValidString(fl.Key) || !utf8.ValidString(fl.Value) {
				t.Fatalf("field not valid UTF-8: %q=%q", fl.Key, fl.Value)
			}
		}
		if len(e.Message) > 3*len(line)+8 {
			t.Fatalf("message grew: %d bytes from a %d-byte line", len(e.Message), len(line))
		}
	})
}

// TestFieldsOneAllocation: a fresh entry's fields cost one allocation (pointers and structs together), and an entry parsed again
// with more fields than its block holds still gets every one.
func TestFieldsOneAllocation(t *testing.T) {
	line := func(n int) []byte {
		var b strings.Builder
		b.WriteString("level=info msg=ok")
		for i := range n {
			fmt.Fprintf(&b, " k%d=v%d", i, i)
		}
		return []byte(b.String())
	}
	for _, n := range []int{1, 2, 3, 4, 5, 8, 9, 14, 16, 17, 40} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			buf := line(n)
			// Past 14 fields the line's level and msg overflow the
			// parser's array too; the count is then not the fields' alone.
			if got := testing.AllocsPerRun(50, func() { IntoNoCopy(&logpb.LogEntry{}, buf) }); n <= 14 && got != 2 { // 2: the entry, the fields
				t.Errorf("got %v allocations for %d fields, want 1 and the entry's", got-1, n)
			}
			var e logpb.LogEntry
			IntoNoCopy(&e, line(1))
			IntoNoCopy(&e, buf)
			if len(e.Fields) != n {
				t.Fatalf("got %d fields, want %d", len(e.Fields), n)
			}
			for i, f := range e.Fields {
				if wk, wv := fmt.Sprintf("k%d", i), fmt.Sprintf("v%d", i); f.Key != wk || f.Value != wv {
					t.Errorf("field %d: got %s=%s, want %s=%s", i, f.Key, f.Value, wk, wv)
				}
			}
		})
	}
}
