package genline

import (
	"math/rand/v2"
	"strconv"
	"time"
)

// Gen makes the lines; not safe for concurrent use.
type Gen struct {
	r  *rand.Rand
	ts time.Time
}

// New returns a generator whose lines depend only on seed.
func New(seed uint64) *Gen {
	return &Gen{
		r:  rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		ts: time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC),
	}
}

// NewAt is New with the first line's time at start instead of a fixed date:
// the history benchmark needs lines whose own times are recent. Lines are
// MeanStep apart on average.
func NewAt(seed uint64, start time.Time) *Gen {
	g := New(seed)
	g.ts = start.UTC()
	return g
}

// MeanStep is about the mean time between two lines' timestamps.
const MeanStep = maxStep / 2

// maxStep bounds the random step between two lines' timestamps.
const maxStep = 3000 * time.Microsecond

var (
	levels   = []string{"INFO", "INFO", "INFO", "INFO", "INFO", "INFO", "INFO", "DEBUG", "WARN", "ERROR"}
	lower    = map[string]string{"INFO": "info", "DEBUG": "debug", "WARN": "warn", "ERROR": "error"}
	services = []string{"checkout", "orders", "payments", "inventory", "auth", "search", "shipping", "catalog"}
	classes  = []string{"com.example.orders.OrderService", "com.example.pay.ChargeHandler", "org.acme.cache.RegionCache", "com.example.auth.TokenFilter", "io.shop.search.QueryPlanner"}
	routes   = []string{"/api/v1/cart", "/api/v1/orders", "/api/v2/search", "/healthz", "/api/v1/users/me", "/static/app.js"}
	msgs     = []string{"request completed", "cache miss, loading from store", "slow query", "upstream timeout", "retrying after backoff", "connection pool exhausted", "user session refreshed", "rate limit applied"}
	hdfs     = []string{"dfs.DataNode$PacketResponder: PacketResponder 1 for block blk_", "dfs.FSNamesystem: BLOCK* NameSystem.addStoredBlock: blockMap updated: blk_", "dfs.DataNode$DataXceiver: Receiving block blk_"}
	errs     = []string{"card_declined", "insufficient_funds", "context deadline exceeded", "connection reset by peer", "EOF", "no such host"}
)

func pick[T any](r *rand.Rand, s []T) T { return s[r.IntN(len(s))] }

// Time is the timestamp of the last line Line made.
func (g *Gen) Time() time.Time { return g.ts }

// Line appends one log line with its newline to b.
func (g *Gen) Line(b []byte) []byte {
	r := g.r
	g.ts = g.ts.Add(time.Duration(r.IntN(int(maxStep/time.Microsecond))) * time.Microsecond)
	lvl := pick(r, levels)
	switch r.IntN(5) {
	case 0: // log4j / logback
		b = g.ts.AppendFormat(b, "2006-01-02 15:04:05,000")
		b = append(b, ' ')
		b = append(b, lvl...)
		b = append(b, " [worker-"...)
		b = strconv.AppendInt(b, int64(r.IntN(32)), 10)
		b = append(b, "] "...)
		b = append(b, pick(r, classes)...)
		b = append(b, " - order "...)
		b = strconv.AppendInt(b, 8_000_000+int64(r.IntN(1_000_000)), 10)
		b = append(b, " accepted customer=c-"...)
		b = strconv.AppendInt(b, int64(r.IntN(99999)), 10)
		b = append(b, " items="...)
		b = strconv.AppendInt(b, int64(1+r.IntN(9)), 10)
		b = append(b, " region=eu-west-"...)
		b = strconv.AppendInt(b, int64(1+r.IntN(3)), 10)
	case 1: // logfmt
		b = append(b, "time="...)
		b = g.ts.AppendFormat(b, "2006-01-02T15:04:05.000Z")
		b = append(b, " level="...)
		b = append(b, lower[lvl]...)
		b = append(b, ` msg="`...)
		b = append(b, pick(r, msgs)...)
		b = append(b, `" svc=`...)
		b = append(b, pick(r, services)...)
		b = append(b, " duration_ms="...)
		b = strconv.AppendInt(b, int64(r.IntN(5000)), 10)
		b = append(b, " trace_id="...)
		b = strconv.AppendUint(b, r.Uint64(), 16)
	case 2: // JSON
		b = append(b, `{"ts":"`...)
		b = g.ts.AppendFormat(b, "2006-01-02T15:04:05.000Z")
		b = append(b, `","level":"`...)
		b = append(b, lower[lvl]...)
		b = append(b, `","msg":"`...)
		b = append(b, pick(r, msgs)...)
		b = append(b, `","route":"`...)
		b = append(b, pick(r, routes)...)
		b = append(b, `","status":`...)
		b = strconv.AppendInt(b, int64(pick(r, []int{200, 200, 200, 201, 204, 304, 404, 500, 504})), 10)
		b = append(b, `,"dur_ms":`...)
		b = strconv.AppendInt(b, int64(r.IntN(3000)), 10)
		b = append(b, '}')
	case 3: // HDFS (loghub shape)
		b = g.ts.AppendFormat(b, "060102 150405")
		b = append(b, ' ')
		b = strconv.AppendInt(b, int64(r.IntN(3000)), 10)
		b = append(b, ' ')
		b = append(b, lvl...)
		b = append(b, ' ')
		b = append(b, pick(r, hdfs)...)
		b = strconv.AppendInt(b, r.Int64N(1<<62)-(1<<61), 10)
		b = append(b, " size "...)
		b = strconv.AppendInt(b, int64(r.IntN(1<<26)), 10)
		b = append(b, " from /10.250."...)
		b = strconv.AppendInt(b, int64(r.IntN(256)), 10)
		b = append(b, '.')
		b = strconv.AppendInt(b, int64(r.IntN(256)), 10)
	default: // Go log with an error
		b = g.ts.AppendFormat(b, "2006/01/02 15:04:05.000000")
		b = append(b, ' ')
		b = append(b, lvl...)
		b = append(b, ' ')
		b = append(b, pick(r, services)...)
		b = append(b, ": charge failed: "...)
		b = append(b, pick(r, errs)...)
		b = append(b, " id=ch_"...)
		b = strconv.AppendUint(b, r.Uint64(), 36)
		b = append(b, " attempt="...)
		b = strconv.AppendInt(b, int64(1+r.IntN(5)), 10)
		b = append(b, " amount_cents="...)
		b = strconv.AppendInt(b, int64(r.IntN(100000)), 10)
		b = append(b, " host=web-"...)
		b = strconv.AppendInt(b, int64(10+r.IntN(90)), 10)
	}
	return append(b, '\n')
}
