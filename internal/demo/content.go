package demo

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"
)

// style is the shape of a service's lines.
type style int

const (
	styleZap    style = iota // Go service, zap production JSON; Go traces after some errors
	styleLogrus              // Go service, logrus JSON
	stylePython              // Python logging; tracebacks after some errors
	styleLog4j               // Java log4j; Java traces after some errors
	styleNginx               // nginx access log, with error-log lines mixed in
	numStyles
)

func styleFor(service string, i int) style {
	switch service {
	case "api":
		return styleZap
	case "auth":
		return styleLogrus
	case "worker":
		return stylePython
	case "billing":
		return styleLog4j
	case "frontend":
		return styleNginx
	}
	return style(i % int(numStyles))
}

type level int

const (
	levelTrace level = iota
	levelDebug
	levelInfo
	levelWarn
	levelError
	levelFatal
)

// levelWeights per mille: mostly info, some debug and warn, rare errors,
// very rare fatals.
var levelWeights = [...]int{levelTrace: 40, levelDebug: 140, levelInfo: 660, levelWarn: 100, levelError: 55, levelFatal: 5}

// traceChance is the chance that an error or fatal entry carries a stack
// trace (the nginx style has none).
const traceChance = 0.4

type generator struct {
	service string
	style   style
	rng     *rand.Rand
	pid     int
	b       []byte
}

func newGenerator(service string, st style, rng *rand.Rand) *generator {
	return &generator{service: service, style: st, rng: rng, pid: 1000 + rng.IntN(30000)}
}

func (g *generator) level() level {
	n := g.rng.IntN(1000)
	for l, w := range levelWeights {
		if n < w {
			return level(l)
		}
		n -= w
	}
	return levelInfo
}

func pick[T any](g *generator, s []T) T { return s[g.rng.IntN(len(s))] }

func (g *generator) hex(n int) string {
	const digits = "0123456789abcdef"
	b := make([]byte, n)
	for i := range b {
		b[i] = digits[g.rng.IntN(16)]
	}
	return string(b)
}

func (g *generator) requestID() string { return g.hex(8) + "-" + g.hex(4) + "-" + g.hex(4) }
func (g *generator) user() string      { return pick(g, users) }
func (g *generator) ip() string {
	return fmt.Sprintf("10.%d.%d.%d", g.rng.IntN(4), g.rng.IntN(256), 1+g.rng.IntN(254))
}

// latency is log-normal-ish: mostly tens of ms, a long tail.
func (g *generator) latency() float64 {
	ms := 4 + g.rng.ExpFloat64()*25
	if g.rng.IntN(50) == 0 {
		ms += 500 + g.rng.Float64()*4000
	}
	return float64(int(ms*10)) / 10
}

// entry renders one entry, newline-terminated, into a buffer reused by the
// next call.
func (g *generator) entry(now time.Time) []byte {
	l := g.level()
	g.b = g.b[:0]
	switch g.style {
	case styleZap:
		g.zap(now, l)
	case styleLogrus:
		g.logrus(now, l)
	case stylePython:
		g.python(now, l)
	case styleLog4j:
		g.log4j(now, l)
	default:
		g.nginx(now, l)
	}
	return g.b
}

// jsonLine appends an object with keys in the given order.
func (g *generator) jsonLine(kv ...any) {
	g.b = append(g.b, '{')
	for i := 0; i+1 < len(kv); i += 2 {
		if i > 0 {
			g.b = append(g.b, ',')
		}
		g.b = strconv.AppendQuote(g.b, kv[i].(string))
		g.b = append(g.b, ':')
		v, _ := json.Marshal(kv[i+1])
		g.b = append(g.b, v...)
	}
	g.b = append(g.b, '}', '\n')
}

func (g *generator) zap(now time.Time, l level) {
	name := [...]string{"debug", "debug", "info", "warn", "error", "fatal"}[l]
	ts := now.Format("2006-01-02T15:04:05.000Z0700")
	method, path := pick(g, methods), pick(g, apiPaths)
	switch l {
	case levelTrace, levelDebug:
		g.jsonLine("level", name, "ts", ts, "caller", "store/cache.go:"+strconv.Itoa(40+g.rng.IntN(60)),
			"msg", pick(g, apiDebug), "key", "order:"+strconv.Itoa(10000+g.rng.IntN(90000)), "hit", g.rng.IntN(3) > 0)
	case levelInfo:
		g.jsonLine("level", name, "ts", ts, "caller", "httpserver/middleware.go:112", "msg", "request completed",
			"request_id", g.requestID(), "method", method, "path", path, "status", pick(g, okStatuses),
			"latency_ms", g.latency(), "user", g.user(), "bytes", 200+g.rng.IntN(40000))
	case levelWarn:
		g.jsonLine("level", name, "ts", ts, "caller", "httpserver/middleware.go:118", "msg", pick(g, apiWarn),
			"request_id", g.requestID(), "method", method, "path", path, "status", pick(g, warnStatuses),
			"latency_ms", g.latency()+800, "user", g.user())
	default:
		msg, cause := pick(g, apiErrors), pick(g, goErrors)
		if l == levelFatal {
			msg = pick(g, apiFatal)
		}
		trace := l == levelFatal || g.rng.Float64() < traceChance
		if trace && l == levelError {
			// What a recovering middleware logs before printing the stack.
			msg, cause = "panic recovered", "runtime error: invalid memory address or nil pointer dereference"
		}
		g.jsonLine("level", name, "ts", ts, "caller", "orders/handler.go:"+strconv.Itoa(60+g.rng.IntN(80)), "msg", msg,
			"request_id", g.requestID(), "method", method, "path", path, "status", 500, "error", cause)
		if trace {
			g.goTrace()
		}
	}
}

func (g *generator) logrus(now time.Time, l level) {
	name := [...]string{"trace", "debug", "info", "warning", "error", "fatal"}[l]
	ts := now.Format(time.RFC3339)
	switch l {
	case levelTrace:
		g.jsonLine("level", name, "msg", "token claims decoded", "time", ts, "sub", g.user(), "scope", "read write")
	case levelDebug:
		g.jsonLine("level", name, "msg", pick(g, authDebug), "time", ts, "user", g.user(), "client_ip", g.ip())
	case levelInfo:
		g.jsonLine("level", name, "msg", pick(g, authInfo), "time", ts, "user", g.user(), "client_ip", g.ip(),
			"method", pick(g, []string{"password", "oauth", "sso", "refresh_token"}), "request_id", g.requestID())
	case levelWarn:
		g.jsonLine("level", name, "msg", pick(g, authWarn), "time", ts, "user", g.user(), "client_ip", g.ip(),
			"attempts", 2+g.rng.IntN(8))
	default:
		msg := pick(g, authErrors)
		if l == levelFatal {
			msg = "cannot load signing keys: open /etc/auth/jwks.json: permission denied"
		}
		g.jsonLine("level", name, "msg", msg, "time", ts, "request_id", g.requestID(), "error", pick(g, goErrors))
	}
}

// plainTime is the "2026-01-02 15:04:05,000" of log4j and Python logging.
func plainTime(b []byte, now time.Time) []byte {
	b = now.AppendFormat(b, "2006-01-02 15:04:05.000")
	b[len(b)-4] = ','
	return b
}

func (g *generator) python(now time.Time, l level) {
	name := [...]string{"DEBUG", "DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}[l]
	logger := pick(g, []string{"worker.tasks", "worker.queue", "celery.worker", "worker.email", "worker.reports"})
	job := strconv.Itoa(100000 + g.rng.IntN(900000))
	var msg string
	switch l {
	case levelTrace, levelDebug:
		msg = fmt.Sprintf("polling queue %s: %d messages visible", pick(g, queues), g.rng.IntN(40))
	case levelInfo:
		msg = fmt.Sprintf(pick(g, workerInfo), job, g.latency()/10)
	case levelWarn:
		msg = fmt.Sprintf(pick(g, workerWarn), job, 1+g.rng.IntN(4))
	case levelError:
		msg = fmt.Sprintf("task %s failed: %s", job, pick(g, pyErrors))
	default:
		msg = "worker lost connection to broker amqp://rabbitmq:5672//, shutting down"
	}
	g.b = plainTime(g.b, now)
	g.b = fmt.Appendf(g.b, " %s %s - %s\n", name, logger, msg)
	if l >= levelError && g.rng.Float64() < traceChance {
		g.pythonTrace()
	}
}

func (g *generator) log4j(now time.Time, l level) {
	name := [...]string{"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"}[l]
	invoice := fmt.Sprintf("INV-%d-%05d", now.Year(), g.rng.IntN(100000))
	var logger, msg string
	switch l {
	case levelTrace:
		logger, msg = "com.acme.billing.db.InvoiceRepository", "SELECT invoice by id="+invoice+" took "+strconv.Itoa(1+g.rng.IntN(9))+"ms"
	case levelDebug:
		logger, msg = "com.acme.billing.tax.TaxCalculator", fmt.Sprintf("applied rate %.2f for region %s", 0.05+g.rng.Float64()/5, pick(g, regions))
	case levelInfo:
		logger, msg = "com.acme.billing.InvoiceService", fmt.Sprintf(pick(g, billingInfo), invoice, 5+g.rng.Float64()*495)
	case levelWarn:
		logger, msg = "com.acme.billing.gateway.PaymentClient", fmt.Sprintf(pick(g, billingWarn), invoice, 1+g.rng.IntN(3))
	case levelError:
		logger, msg = "com.acme.billing.InvoiceService", fmt.Sprintf("failed to charge invoice %s", invoice)
	default:
		logger, msg = "com.acme.billing.Application", "HikariPool-1 - connection is not available, request timed out after 30000ms; shutting down"
	}
	g.b = plainTime(g.b, now)
	g.b = fmt.Appendf(g.b, " %s %s - %s\n", name, logger, msg)
	if l >= levelError && (g.rng.Float64() < traceChance || l == levelFatal) {
		g.javaTrace()
	}
}

func (g *generator) nginx(now time.Time, l level) {
	if l >= levelWarn && g.rng.IntN(4) == 0 {
		// nginx's error log, written to the same file in many setups.
		name := [...]string{"debug", "debug", "info", "warn", "error", "crit"}[l]
		g.b = now.AppendFormat(g.b, "2006/01/02 15:04:05")
		path := pick(g, apiPaths)
		g.b = fmt.Appendf(g.b, " [%s] %d#%d: *%d %s, client: %s, server: shop.example.com, request: \"%s %s HTTP/1.1\", upstream: \"http://10.0.2.4:8080%s\"\n",
			name, g.pid, g.pid, g.rng.IntN(100000), pick(g, nginxErrors), g.ip(), pick(g, methods), path, path)
		return
	}
	var status int
	switch {
	case l <= levelInfo:
		status = pick(g, []int{200, 200, 200, 200, 304, 301, 204})
	case l == levelWarn:
		status = pick(g, []int{400, 401, 403, 404, 404, 429})
	default:
		status = pick(g, []int{500, 502, 503, 504})
	}
	path := pick(g, webPaths)
	if g.rng.IntN(2) == 0 {
		path = pick(g, apiPaths)
	}
	g.b = fmt.Appendf(g.b, "%s - %s [%s] \"%s %s HTTP/1.1\" %d %d \"https://shop.example.com/\" \"%s\" %.3f\n",
		g.ip(), pick(g, []string{"-", "-", "-", g.user()}), now.Format("02/Jan/2006:15:04:05 -0700"),
		pick(g, methods), path, status, 100+g.rng.IntN(60000), pick(g, userAgents), g.latency()/1000)
}

func (g *generator) goTrace() {
	g.b = fmt.Appendf(g.b, "goroutine %d [running]:\n", 10+g.rng.IntN(5000))
	frames := []string{
		"github.com/acme/shop/orders.(*Store).Get(0xc0001b4000, {0xa1c2e0, 0xc0003a6f90}, {0xc00041a0f0, 0x24})\n\t/src/orders/store.go:%d +0x1d4\n",
		"github.com/acme/shop/orders.(*Handler).ServeHTTP(0xc000126360, {0xa1f8b0, 0xc0004be0e0}, 0xc000466a00)\n\t/src/orders/handler.go:%d +0x2b9\n",
		"github.com/acme/shop/httpserver.Recover.func1({0xa1f8b0, 0xc0004be0e0}, 0xc000466a00)\n\t/src/httpserver/middleware.go:%d +0x8e\n",
		"net/http.HandlerFunc.ServeHTTP(0xc000466900?, {0xa1f8b0?, 0xc0004be0e0?}, 0x0?)\n\t/usr/local/go/src/net/http/server.go:%d +0x29\n",
		"net/http.serverHandler.ServeHTTP({0xc000312120?}, {0xa1f8b0?, 0xc0004be0e0?}, 0x6?)\n\t/usr/local/go/src/net/http/server.go:%d +0x8e\n",
		"created by net/http.(*Server).Serve in goroutine 1\n\t/usr/local/go/src/net/http/server.go:%d +0x5e5\n",
	}
	for _, f := range frames {
		g.b = fmt.Appendf(g.b, f, 40+g.rng.IntN(3000))
	}
}

func (g *generator) pythonTrace() {
	g.b = append(g.b, "Traceback (most recent call last):\n"...)
	g.b = fmt.Appendf(g.b, "  File \"/app/worker/tasks.py\", line %d, in run\n    result = handler(payload)\n", 40+g.rng.IntN(200))
	g.b = fmt.Appendf(g.b, "  File \"/app/worker/handlers/%s.py\", line %d, in handle\n    customer = payload[\"customer_id\"]\n",
		pick(g, []string{"invoices", "emails", "reports"}), 10+g.rng.IntN(150))
	g.b = append(g.b, pick(g, pyExceptions)...)
	g.b = append(g.b, '\n')
}

func (g *generator) javaTrace() {
	g.b = fmt.Appendf(g.b, "%s\n", pick(g, javaExceptions))
	frames := []string{
		"com.acme.billing.gateway.PaymentClient.charge(PaymentClient.java:%d)",
		"com.acme.billing.InvoiceService.settle(InvoiceService.java:%d)",
		"com.acme.billing.InvoiceController.pay(InvoiceController.java:%d)",
		"java.base/jdk.internal.reflect.DirectMethodHandleAccessor.invoke(DirectMethodHandleAccessor.java:%d)",
		"org.springframework.web.servlet.FrameworkServlet.service(FrameworkServlet.java:%d)",
	}
	for _, f := range frames {
		g.b = append(g.b, "\tat "...)
		g.b = fmt.Appendf(g.b, f, 20+g.rng.IntN(900))
		g.b = append(g.b, '\n')
	}
	g.b = append(g.b, "Caused by: java.net.SocketTimeoutException: Read timed out\n"...)
	g.b = append(g.b, "\tat java.base/sun.nio.ch.NioSocketImpl.timedRead(NioSocketImpl.java:288)\n"...)
	g.b = append(g.b, "\tat java.base/java.net.Socket$SocketInputStream.read(Socket.java:1099)\n"...)
	g.b = fmt.Appendf(g.b, "\t... %d more\n", 20+g.rng.IntN(40))
}

var (
	users          = []string{"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "u-10492", "u-88213"}
	methods        = []string{"GET", "GET", "GET", "GET", "POST", "POST", "PUT", "DELETE"}
	apiPaths       = []string{"/api/v1/orders", "/api/v1/orders/8812", "/api/v1/cart", "/api/v1/products?page=2", "/api/v1/users/me", "/api/v1/checkout", "/healthz"}
	webPaths       = []string{"/", "/static/app.3f9a.js", "/static/app.3f9a.css", "/favicon.ico", "/products/espresso-machine", "/cart", "/login"}
	okStatuses     = []int{200, 200, 200, 200, 201, 204, 304}
	warnStatuses   = []int{400, 404, 409, 422, 429}
	apiDebug       = []string{"cache lookup", "cache refreshed", "sql query prepared", "feature flag evaluated"}
	apiWarn        = []string{"slow request", "retrying upstream call", "rate limit close to exhausted", "deprecated API version used"}
	apiErrors      = []string{"request failed", "panic recovered", "upstream call failed", "database query failed"}
	apiFatal       = []string{"cannot connect to database, giving up", "listener failed"}
	goErrors       = []string{"context deadline exceeded", "dial tcp 10.0.2.7:5432: connect: connection refused", "pq: deadlock detected", "runtime error: invalid memory address or nil pointer dereference", "EOF"}
	authDebug      = []string{"session cache miss", "password hash verified", "loaded user roles"}
	authInfo       = []string{"user logged in", "token issued", "token refreshed", "user logged out"}
	authWarn       = []string{"invalid password", "token expired", "suspicious login location", "too many login attempts"}
	authErrors     = []string{"ldap bind failed", "token signing failed", "session store unavailable"}
	queues         = []string{"emails", "invoices", "reports", "webhooks"}
	workerInfo     = []string{"task %s succeeded in %.2fs", "sent invoice email for job %s (%.2fs)", "report %s generated in %.2fs"}
	workerWarn     = []string{"task %s retrying (attempt %d)", "job %s exceeded soft time limit, attempt %d"}
	pyErrors       = []string{"KeyError('customer_id')", "ConnectionError: timeout talking to smtp.example.com", "ValueError: invalid literal for int() with base 10: 'N/A'"}
	pyExceptions   = []string{"KeyError: 'customer_id'", "ConnectionError: HTTPSConnectionPool(host='smtp.example.com', port=465): Read timed out.", "ValueError: invalid literal for int() with base 10: 'N/A'"}
	regions        = []string{"EU-DE", "EU-FR", "US-CA", "US-NY", "UK"}
	billingInfo    = []string{"invoice %s paid, amount %.2f EUR", "invoice %s created, amount %.2f EUR", "refund for invoice %s issued, amount %.2f EUR"}
	billingWarn    = []string{"payment gateway slow for invoice %s, retry %d", "card declined for invoice %s, attempt %d"}
	javaExceptions = []string{"com.acme.billing.gateway.PaymentException: charge failed: gateway timeout", "java.lang.IllegalStateException: invoice already settled"}
	nginxErrors    = []string{"upstream timed out (110: Connection timed out) while reading response header from upstream", "connect() failed (111: Connection refused) while connecting to upstream", "no live upstreams while connecting to upstream"}
	userAgents     = []string{"Mozilla/5.0 (X11; Linux x86_64; rv:131.0) Gecko/20100101 Firefox/131.0", "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Safari/605.1.15", "curl/8.10.1", "kube-probe/1.31"}
)
