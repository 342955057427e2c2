package parse

import (
	"testing"

	"github.com/tailcast/tailcast/proto/logpb"
)

// benchLines are one representative line per format family.
var benchLines = []struct{ name, line string }{
	{"Apache", `[Sun Dec 04 04:47:44 2005] [error] mod_jk child workerEnv in error state 6 while handling request from client`},
	{"HDFS", `081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 for block blk_38865049064139660 terminating`},
	{"OpenSSH", `Dec 10 06:55:46 LabSZ sshd[24200]: reverse mapping checking getaddrinfo for ns.marryaldkfaczcz.com [173.234.31.186] failed`},
	{"Spark", `17/06/09 20:10:40 INFO executor.CoarseGrainedExecutorBackend: Registered signal handlers for [TERM, HUP, INT] ok`},
	{"Android", `03-17 16:13:38.819  1702  8671 D PowerManagerService: acquire lock=233570404, flags=0x1, tag="View Lock", uid=10037`},
	{"BGL", `- 1117838570 2005.06.03 R02-M1-N0-C:J12-U11 2005-06-03-15.42.50.675872 R02-M1-N0-C:J12-U11 RAS KERNEL INFO instruction cache parity error corrected`},
	{"HPC", `134681 node-246 unix.hw state_change.unavailable 1077804742 1 Component State Change: Component \042alt0\042 is in the unavailable state (HWID=1973)`},
	{"Windows", `2016-09-28 04:30:30, Info                  CBS    Loaded Servicing Stack v6.1.7601.23505 with Core: C:\Windows\winsxs\cbscore.dll`},
	{"Proxifier", `[10.30 16:49:06] chrome.exe - proxy.cse.cuhk.edu.hk:5070 open through proxy proxy.cse.cuhk.edu.hk:5070 HTTPS`},
	{"ISO", `2026-01-02 15:04:05,000 ERROR [main] com.example.billing.InvoiceService - Connection refused while contacting ledger`},
	{"GoLog", `2026/01/02 15:04:05 http: TLS handshake error from 10.0.0.12:53124: remote error: tls: bad certificate`},
	{"Syslog5424", `<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3"] An application event`},
	{"Access", `203.0.113.7 - - [02/Jan/2026:15:04:05 +0000] "GET /api/v1/items?id=3 HTTP/1.1" 200 612 "-" "curl/8.5.0"`},
	{"JSON", `{"level":"error","ts":1767366245.123456,"caller":"api/handler.go:42","msg":"request failed","error":"context deadline exceeded","attempt":3}`},
	{"Logfmt", `time=2026-01-02T15:04:05.000Z level=WARN msg="slow query" db.statement="SELECT 1" duration=1.5s rows=42 user=alice`},
	{"Logback", `{"@timestamp":"2024-03-01T12:00:03.456+01:00","@version":"1","message":"Order 42 rejected: insufficient stock","logger_name":"com.example.orders.OrderService","thread_name":"http-nio-8080-exec-3","level":"WARN","level_value":30000}`},
	{"ECSNested", `{"@timestamp":"2024-03-01T11:00:06.000Z","log":{"level":"error","logger":"billing.invoice"},"message":"Invoice rendering failed","service":{"name":"billing","version":"2.3.1"},"error":{"type":"TemplateError","message":"missing field total","stack_trace":"TemplateError: missing field total\n    at render (/app/invoice.js:88:11)"}}`},
	{"Pino", `{"level":30,"time":1709290803456,"pid":4711,"hostname":"web-1","name":"api","msg":"request completed","req":{"id":1,"method":"GET","url":"/health"},"res":{"statusCode":200},"responseTime":2}`},
	{"Unknown", `this line follows no known format at all and will be passed through as the whole message with unknown level`},
}

func BenchmarkInto(b *testing.B) {
	for _, bl := range benchLines {
		b.Run(bl.name, func(b *testing.B) {
			line := []byte(bl.line)
			b.SetBytes(int64(len(line)))
			b.ReportAllocs()
			var e logpb.LogEntry
			for b.Loop() {
				Into(&e, line)
			}
		})
	}
}
