package parse

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tailcast/tailcast/proto/logpb"
)

// TestIntoForeignLayouts parses lines as JSON logging libraries write them
// (testdata/layouts/LIBRARY.log, one event a line), as services producing
// straight to Kafka send them.
func TestIntoForeignLayouts(t *testing.T) {
	tests := []struct {
		file    string
		line    int // 0-based line of the file
		time    string
		level   logpb.Level
		msg     string
		service string
		host    string
		fields  string
	}{
		{"logback.log", 0, "2024-03-01T11:00:03.456Z", warn, "Order 42 rejected: insufficient stock", "", "",
			"@version=1 logger_name=com.example.orders.OrderService thread_name=http-nio-8080-exec-3 level_value:=30000"},
		{"logback.log", 1, "2024-03-01T11:00:04.001Z", erro,
			"Payment failed\njava.net.SocketTimeoutException: Read timed out\n\tat java.base/sun.nio.ch.NioSocketImpl.timedRead(NioSocketImpl.java:288)\n\tat com.example.pay.PaymentClient.charge(PaymentClient.java:57)",
			"", "", "@version=1 logger_name=com.example.pay.PaymentClient thread_name=pool-2-thread-1 level_value:=40000"},
		{"log4j2.log", 0, "2024-03-01T11:00:03.456Z", info, "Started Application in 4.2 seconds", "", "",
			"@version:=1 source_host=web-1 thread_name=main logger_name=com.example.Application"},
		{"log4j2.log", 1, "2024-03-01T11:00:05Z", erro,
			"Dropping event\njava.lang.IllegalStateException: queue full\n\tat com.example.Queue.put(Queue.java:31)\n\tat com.example.Worker.run(Worker.java:12)", "", "",
			"exception.exception_class=java.lang.IllegalStateException exception.exception_message=queue full @version:=1 source_host=web-1 thread_name=worker-7 logger_name=com.example.Worker"},
		{"log4j2.log", 2, "2024-03-01T11:00:03.456Z", info, "Listening on 8080", "", "",
			"thread=main loggerName=com.example.App endOfBatch:=false loggerFqcn=org.apache.logging.log4j.spi.AbstractLogger threadId:=1 threadPriority:=5"},
		{"log4j2.log", 3, "2024-03-01T11:00:04.001Z", erro,
			"Request failed\njava.lang.RuntimeException: boom\n\tat com.example.App.handle(App.java:40) ~[app.jar:?]", "", "",
			"thread=pool-1 loggerName=com.example.App thrown.commonElementCount:=0 thrown.localizedMessage=boom thrown.message=boom thrown.name=java.lang.RuntimeException endOfBatch:=false loggerFqcn=org.apache.logging.log4j.spi.AbstractLogger threadId:=14 threadPriority:=5"},
		{"ecs.log", 0, "2024-03-01T11:00:03.456Z", info, "Tomcat started on port(s): 8080 (http)", "spring-petclinic", "",
			"ecs.version=1.2.0 event.dataset=spring-petclinic process.thread.name=restartedMain log.logger=org.springframework.boot.web.embedded.tomcat.TomcatWebServer"},
		{"ecs.log", 1, "2024-03-01T11:00:04.001Z", erro,
			"Payment failed\njava.net.SocketTimeoutException: Read timed out\n\tat com.example.pay.PaymentClient.charge(PaymentClient.java:57)", "checkout", "",
			"ecs.version=1.2.0 event.dataset=checkout process.thread.name=pool-2-thread-1 log.logger=com.example.pay.PaymentClient error.type=java.net.SocketTimeoutException error.message=Read timed out"},
		{"ecs.log", 2, "2024-03-01T11:00:05.123Z", warn, "Cache miss rate high", "catalog", "",
			`ecs:={"version":"1.6.0"} log.logger=app.cache log.origin:={"file":{"line":88,"name":"cache.py"},"function":"check"} log.original=Cache miss rate high process:={"name":"MainProcess","pid":4242,"thread":{"id":140245,"name":"MainThread"}}`},
		{"ecs.log", 3, "2024-03-01T11:00:06Z", erro, "Invoice rendering failed\nTemplateError: missing field total\n    at render (/app/invoice.js:88:11)", "billing", "web-2",
			"log.logger=billing.invoice service.version=2.3.1 error.type=TemplateError error.message=missing field total"},
		{"zap.log", 0, "2024-03-01T11:00:03.4561234Z", info, "listening", "", "", "caller=server/main.go:42 addr=:8080"},
		{"zap.log", 1, "2024-03-01T11:00:04.001Z", erro,
			"payment failed\nmain.charge\n\t/app/pay/client.go:57\nmain.main\n\t/app/main.go:21\nruntime.main\n\t/usr/local/go/src/runtime/proc.go:271", "", "",
			"caller=pay/client.go:57 order:=42 error=context deadline exceeded"},
		{"zap.log", 2, "2024-03-01T11:00:05Z", warn, "evicting", "", "", "caller=cache/lru.go:19 size:=1024"},
		{"zerolog.log", 0, "2024-03-01T11:00:03Z", info, "listening on :8080", "api", "", "caller=/app/main.go:42"},
		{"zerolog.log", 1, "2024-03-01T11:00:04Z", erro, "db unavailable", "", "", "error=dial tcp 10.0.0.5:5432: connect: connection refused"},
		{"zerolog.log", 2, "2024-03-01T11:00:05Z", debug, "tick", "worker", "", ""},
		{"python-json-logger.log", 0, "2024-03-01T11:00:03.456Z", info, "GET /health 200", "", "", "name=app.web"},
		{"python-json-logger.log", 1, "2024-03-01T11:00:04.001Z", erro,
			"query failed\nTraceback (most recent call last):\n  File \"/app/db.py\", line 10, in run\n    cur.execute(q)\nsqlite3.OperationalError: no such table: users", "", "",
			"name=app.db taskName:=null"},
		{"bunyan.log", 0, "2024-03-01T11:00:03.456Z", info, "listening on 8080", "", "web-1", "name=myapp pid:=4711 v:=0"},
		{"bunyan.log", 1, "2024-03-01T11:00:04Z", erro,
			"boom\nError: boom\n    at Object.<anonymous> (/app/index.js:10:9)\n    at Module._compile (node:internal/modules/cjs/loader:1256:14)", "", "web-1",
			"name=myapp pid:=4711 err.message=boom err.name=Error v:=0"},
		{"pino.log", 0, "2024-03-01T11:00:03.456Z", info, "request completed", "", "web-1",
			`pid:=4711 name=api req:={"id":1,"method":"GET","url":"/health"} res:={"statusCode":200} responseTime:=2`},
		{"pino.log", 1, "2024-03-01T11:00:04Z", erro,
			"connect ECONNREFUSED 127.0.0.1:5432\nError: connect ECONNREFUSED 127.0.0.1:5432\n    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1555:16)", "", "web-1",
			"pid:=4711 err.type=Error err.message=connect ECONNREFUSED 127.0.0.1:5432 err.errno:=-111 err.code=ECONNREFUSED"},
	}
	files := map[string][]string{}
	for _, tt := range tests {
		lines, ok := files[tt.file]
		if !ok {
			b, err := os.ReadFile(filepath.Join("testdata", "layouts", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			lines = strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
			files[tt.file] = lines
		}
		t.Run(strings.TrimSuffix(tt.file, ".log")+"/"+string(rune('0'+tt.line)), func(t *testing.T) {
			var e logpb.LogEntry
			Into(&e, []byte(lines[tt.line]))
			if want := ts(t, tt.time); e.TimeUnixNano != want {
				t.Errorf("time: got %s, want %s", time.Unix(0, e.TimeUnixNano).UTC().Format(time.RFC3339Nano), tt.time)
			}
			if e.Level != tt.level {
				t.Errorf("level: got %v, want %v", e.Level, tt.level)
			}
			if e.Message != tt.msg {
				t.Errorf("message:\ngot  %q\nwant %q", e.Message, tt.msg)
			}
			if e.Service != tt.service || e.Host != tt.host {
				t.Errorf("got service %q host %q, want %q and %q", e.Service, e.Host, tt.service, tt.host)
			}
			if got := fmtFields(e.Fields); got != tt.fields {
				t.Errorf("fields:\ngot  %s\nwant %s", got, tt.fields)
			}
		})
	}
}
