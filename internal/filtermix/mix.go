package filtermix

import (
	"fmt"
	"math/rand/v2"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unsafe"

	"github.com/tailcast/tailcast/proto/logpb"
)

// Period is how many sequence numbers the entries' shapes take to repeat.
const Period = 4096

// Prefix is the start of every message: "tailcast-bench", the entry's
// sequence number in ten digits and a marker followed by a nineteen-digit
// time, which is what the benchmark's load generator counts and times. No
// filter of the mix looks at it, so an entry's match depends on its shape
// alone; Placeholder stands for it when a shape is matched.
const (
	Marker      = "@@"
	Placeholder = "tailcast-bench 0000000000 @@0000000000000000000"
)

// Services are the services entries come from and viewers watch.
var Services = []string{"api", "auth", "billing", "cart", "catalog", "checkout", "gateway", "inventory",
	"mailer", "notify", "orders", "payments", "search", "shipping", "users", "worker"}

// Shape is an entry without its sequence number and time.
type Shape struct {
	Service string
	Host    string
	Level   logpb.Level
	Text    string // the message after Prefix and a space
	Fields  [][2]string

	msg, lower string         // for Match: the message with Placeholder, and the lowercased message and field values
	fields     []*logpb.Field // Fields as an entry's, shared by Entry
}

// Message is the entry's message for sequence number seq stamped ts.
func (s *Shape) Message(seq int64, ts []byte) string {
	// One allocation, of the exact size: the digits go through a buffer
	// on the stack rather than a string of their own.
	var d [20]byte
	digits := strconv.AppendInt(d[:0], seq, 10)
	n := len("tailcast-bench ") + max(10, len(digits)) + len(" "+Marker) + len(ts) + 1 + len(s.Text)
	b := make([]byte, 0, n)
	b = append(b, "tailcast-bench "...)
	for range 10 - len(digits) {
		b = append(b, '0')
	}
	b = append(b, digits...)
	b = append(b, " "+Marker...)
	b = append(b, ts...)
	b = append(b, ' ')
	b = append(b, s.Text...)
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// Entry fills e (reused by the caller) with entry seq stamped ts (unix
// nanoseconds in decimal, nineteen digits). The message is new; the
// fields are the shape's, shared by every entry of it (made once by New),
// which is safe because neither the pusher, which keeps an entry's
// fields, nor anything else writes to a published entry's fields: callers
// must not either.
func (s *Shape) Entry(e *logpb.LogEntry, seq int64, ts []byte) {
	e.Service, e.Host, e.Level = s.Service, s.Host, s.Level
	e.Message = s.Message(seq, ts)
	if s.fields == nil && len(s.Fields) > 0 {
		e.Fields = s.newFields() // a Shape made outside New
		return
	}
	e.Fields = s.fields
}

// newFields is the entry fields of s.
func (s *Shape) newFields() []*logpb.Field {
	out := make([]*logpb.Field, 0, len(s.Fields))
	for _, f := range s.Fields {
		out = append(out, &logpb.Field{Key: f[0], Value: f[1]})
	}
	return out
}

// Filter is one viewer's filter, in the terms of the /ws query.
type Filter struct {
	Services []string
	Q        string
	Re       string
	Where    string
	Level    string

	re       *regexp.Regexp
	minLevel logpb.Level
}

// Query is the filter as /ws query parameters (without "?").
func (f *Filter) Query() string {
	v := url.Values{}
	if len(f.Services) > 0 {
		v.Set("service", strings.Join(f.Services, ","))
	}
	for k, s := range map[string]string{"q": f.Q, "re": f.Re, "where": f.Where, "level": f.Level} {
		if s != "" {
			v.Set(k, s)
		}
	}
	return v.Encode()
}

// key is the filter's identity: no two viewers of a mix share one.
func (f *Filter) key() string { return f.Query() }

// Match is the reference matcher (not safe for concurrent use on a
// Shape outside a Mix, whose shapes New prepares): whether the entry of shape s passes f,
// by the rules of docs/protocol.md (q is case-insensitive on the message
// and field values, re is RE2 on the message, where compares a field, as
// a number when both sides are numbers, and a field the entry lacks
// matches nothing).
func (f *Filter) Match(s *Shape) bool {
	if len(f.Services) > 0 && !slices.Contains(f.Services, s.Service) {
		return false
	}
	if f.minLevel != logpb.Level_LEVEL_UNKNOWN && s.Level < f.minLevel {
		return false
	}
	if s.msg == "" {
		s.prepare()
	}
	if f.Q != "" && !strings.Contains(s.lower, strings.ToLower(f.Q)) {
		return false
	}
	if f.re != nil && !f.re.MatchString(s.msg) {
		return false
	}
	if f.Where != "" && !matchWhere(f.Where, s.Fields) {
		return false
	}
	return true
}

// prepare computes what Match reads.
func (s *Shape) prepare() {
	s.msg = Placeholder + " " + s.Text
	text := s.msg
	for _, fl := range s.Fields {
		text += "\x00" + fl[1]
	}
	s.lower = strings.ToLower(text)
}

// matchWhere evaluates the few forms the mix uses: key=value, key>=N, key>N.
func matchWhere(w string, fields [][2]string) bool {
	for _, op := range []string{">=", ">", "="} {
		k, v, ok := strings.Cut(w, op)
		if !ok {
			continue
		}
		for _, f := range fields {
			if f[0] != k {
				continue
			}
			if op == "=" {
				return f[1] == v
			}
			a, err1 := strconv.ParseFloat(f[1], 64)
			b, err2 := strconv.ParseFloat(v, 64)
			if err1 != nil || err2 != nil {
				return false
			}
			return a > b || op == ">=" && a == b
		}
		return false
	}
	panic("filtermix: unknown where " + w)
}

// Mix is the shapes and the viewers' filters.
type Mix struct {
	Shapes  []Shape  // Period of them: entry seq has Shapes[seq%Period]
	Filters []Filter // one per viewer, all distinct
	// matches[v] lists, for viewer v, the shape indexes it matches; cum[v]
	// counts them cumulatively (cum[v][i]: matches among shapes [0, i)).
	matches [][]bool
	cum     [][]int32
}

// message texts, by kind; %s are filled from the lists below.
var texts = []struct {
	text  string
	level logpb.Level
	http  bool
}{
	{"GET /api/v1/orders served in %dms", logpb.Level_LEVEL_INFO, true},
	{"POST /api/v1/carts served in %dms", logpb.Level_LEVEL_INFO, true},
	{"GET /api/v1/catalog/items served in %dms", logpb.Level_LEVEL_DEBUG, true},
	{"payment declined for order by issuer", logpb.Level_LEVEL_WARN, false},
	{"payment failed: card expired", logpb.Level_LEVEL_ERROR, false},
	{"connection refused by upstream db-primary", logpb.Level_LEVEL_ERROR, false},
	{"request timeout after 30s calling inventory", logpb.Level_LEVEL_ERROR, false},
	{"cache miss for key session", logpb.Level_LEVEL_DEBUG, false},
	{"cache hit for key catalog", logpb.Level_LEVEL_DEBUG, false},
	{"user login succeeded", logpb.Level_LEVEL_INFO, false},
	{"user login failed: bad password", logpb.Level_LEVEL_WARN, false},
	{"slow query on table orders took 1.2s", logpb.Level_LEVEL_WARN, false},
	{"retrying publish to kafka, attempt 2", logpb.Level_LEVEL_WARN, false},
	{"disk usage above threshold on /var", logpb.Level_LEVEL_WARN, false},
	{"healthcheck ok", logpb.Level_LEVEL_DEBUG, false},
	{"token expired for user, refreshing", logpb.Level_LEVEL_INFO, false},
	{"rate limit exceeded for client partner-7", logpb.Level_LEVEL_WARN, false},
	{"panic recovered in handler: nil map", logpb.Level_LEVEL_ERROR, false},
	{"shipment created for order", logpb.Level_LEVEL_INFO, false},
	{"invoice sent to customer", logpb.Level_LEVEL_INFO, false},
}

var statuses = []string{"200", "200", "200", "200", "201", "204", "301", "404", "500", "502", "503"}

var words = []string{"timeout", "refused", "declined", "login", "cache", "slow", "retrying", "expired",
	"limit", "panic", "shipment", "invoice", "failed", "orders", "session", "kafka", "disk", "healthcheck",
	"token", "password", "upstream", "carts", "catalog", "customer"}

var regexes = []string{`timeout|refused`, `payment (declined|failed)`, `login (failed|succeeded)`,
	`slow query on table \w+`, `(GET|POST) /api/v1/(orders|carts)`, `rate limit exceeded`,
	`(?i)PANIC recovered`, `cache (hit|miss) for key \w+`, `retrying \w+ to kafka`, `disk usage above`,
	`invoice sent|shipment created`, `served in [0-9]{3,}ms`, `(?i)token expired`, `user login \w+`,
	`upstream db-(primary|replica)`}

var wheres = func() []string {
	out := []string{"status>=500", "status=404", "status=201"}
	for n := 100; n < 2000; n += 100 {
		out = append(out, "latency_ms>"+strconv.Itoa(n))
	}
	for u := range 40 {
		out = append(out, fmt.Sprintf("user=u%02d", u))
	}
	return out
}()

// New builds the mix for n viewers. It is deterministic: every process
// that builds a mix of n gets the same one.
func New(n int) (*Mix, error) {
	rng := rand.New(rand.NewPCG(14, uint64(n)))
	m := &Mix{Shapes: make([]Shape, Period)}
	for i := range m.Shapes {
		t := texts[rng.IntN(len(texts))]
		s := Shape{Service: Services[rng.IntN(len(Services))], Level: t.level,
			Host: fmt.Sprintf("web-%d", rng.IntN(8))}
		s.Fields = append(s.Fields, [2]string{"user", fmt.Sprintf("u%02d", rng.IntN(100))})
		if t.http {
			lat := 1 + rng.IntN(2000)
			st := statuses[rng.IntN(len(statuses))]
			s.Text = fmt.Sprintf(t.text, lat) + " status " + st
			s.Fields = append(s.Fields, [2]string{"status", st}, [2]string{"latency_ms", strconv.Itoa(lat)})
			if st[0] == '5' {
				s.Level = logpb.Level_LEVEL_ERROR
			}
		} else {
			s.Text = t.text
		}
		s.prepare()
		s.fields = s.newFields()
		m.Shapes[i] = s
	}
	seen := map[string]bool{}
	for v := 0; len(m.Filters) < n; v++ {
		if v > 100*n {
			return nil, fmt.Errorf("filtermix: could not make %d distinct filters", n)
		}
		f := randomFilter(rng, v)
		if seen[f.key()] {
			continue
		}
		seen[f.key()] = true
		if f.Re != "" {
			f.re = regexp.MustCompile(f.Re)
		}
		if f.Level != "" {
			f.minLevel = map[string]logpb.Level{"warn": logpb.Level_LEVEL_WARN, "error": logpb.Level_LEVEL_ERROR}[f.Level]
		}
		m.Filters = append(m.Filters, f)
	}
	m.matches = make([][]bool, n)
	m.cum = make([][]int32, n)
	for v := range m.Filters {
		m.matches[v] = make([]bool, Period)
		m.cum[v] = make([]int32, Period+1)
		for i := range m.Shapes {
			ok := m.Filters[v].Match(&m.Shapes[i])
			m.matches[v][i] = ok
			m.cum[v][i+1] = m.cum[v][i]
			if ok {
				m.cum[v][i+1]++
			}
		}
	}
	return m, nil
}

// randomFilter is the v-th candidate: the kinds come in fixed proportions
// (by v), their parameters at random.
func randomFilter(rng *rand.Rand, v int) Filter {
	svc := func() []string {
		k := 1 + rng.IntN(2)
		var out []string
		for len(out) < k {
			s := Services[rng.IntN(len(Services))]
			if !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
		slices.Sort(out)
		return out
	}
	one := func() []string { return []string{Services[rng.IntN(len(Services))]} }
	pick := func(l []string) string { return l[rng.IntN(len(l))] }
	switch v % 20 {
	case 0, 1, 2: // a service or two
		return Filter{Services: svc(), Level: []string{"", "warn"}[rng.IntN(2)]}
	case 3, 4, 5, 6: // a service and a word
		return Filter{Services: one(), Q: pick(words)}
	case 7, 8, 9: // a service and a regular expression
		return Filter{Services: one(), Re: pick(regexes)}
	case 10, 11: // a regular expression on every service
		return Filter{Re: pick(regexes), Level: []string{"", "warn", "error"}[rng.IntN(3)], Q: []string{"", pick(words)}[rng.IntN(2)]}
	case 12, 13, 14: // a field
		f := Filter{Where: pick(wheres)}
		if rng.IntN(2) == 0 {
			f.Services = one()
		}
		return f
	case 15, 16: // errors of a service or two
		return Filter{Services: svc(), Level: "error"}
	default: // a word on every service
		return Filter{Q: pick(words), Level: []string{"", "warn"}[rng.IntN(2)], Where: []string{"", pick(wheres)}[rng.IntN(2)]}
	}
}

// Matches reports whether viewer v must get entry seq.
func (m *Mix) Matches(v int, seq int64) bool { return m.matches[v][seq%Period] }

// Expected is how many of the entries [from, to) viewer v must get.
func (m *Mix) Expected(v int, from, to int64) int64 {
	if to <= from {
		return 0
	}
	count := func(end int64) int64 { // matches in [0, end)
		return end/Period*int64(m.cum[v][Period]) + int64(m.cum[v][end%Period])
	}
	return count(to) - count(from)
}

// MatchRate is the mean, over viewers, of the fraction of entries each
// must get: deliveries per published entry divided by the viewers.
func (m *Mix) MatchRate() float64 {
	var sum int64
	for v := range m.Filters {
		sum += int64(m.cum[v][Period])
	}
	return float64(sum) / float64(len(m.Filters)) / Period
}
