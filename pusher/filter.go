package pusher

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tailcast/tailcast/internal/parse"
	"github.com/tailcast/tailcast/proto/logpb"
)

// Limits on filter input, so that a hostile client cannot make the server
// hold or compile arbitrarily much.
const (
	maxFilterValues = 256
	maxFilterText   = 4096
	maxBackfill     = 10000
)

// filter is an immutable, compiled client filter. Equal filters share one
// *filter (see Server.internFilter) so that the flush loop can group their
// clients and build one frame for all of them.
type filter struct {
	services []string
	hosts    []string
	minLevel logpb.Level // LEVEL_UNKNOWN: no minimum
	q        string      // lowercased
	re       *regexp.Regexp
	key      string // canonical form, for interning
}

// all reports whether the filter lets every entry through.
func (f *filter) all() bool {
	return len(f.services) == 0 && len(f.hosts) == 0 && f.minLevel == logpb.Level_LEVEL_UNKNOWN && f.q == "" && f.re == nil
}

// match reports whether an entry passes. lmsg is the lowercased message.
func (f *filter) match(service, host string, level logpb.Level, msg, lmsg string) bool {
	if len(f.services) > 0 && !slices.Contains(f.services, service) {
		return false
	}
	if len(f.hosts) > 0 && !slices.Contains(f.hosts, host) {
		return false
	}
	if f.minLevel != logpb.Level_LEVEL_UNKNOWN && level < f.minLevel {
		return false
	}
	if f.q != "" && !strings.Contains(lmsg, f.q) {
		return false
	}
	if f.re != nil && !f.re.MatchString(msg) {
		return false
	}
	return true
}

func (f *filter) matchRecord(r *record) bool {
	return f.match(r.service, r.host, r.level, r.msg, r.lmsg)
}

// filterSpec is the uncompiled filter, as the query or a client message
// gives it.
type filterSpec struct {
	services []string
	hosts    []string
	level    string
	q        string
	re       string
}

// splitValues flattens repeated and comma-separated values, dropping blanks.
func splitValues(name string, vals []string) ([]string, error) {
	var out []string
	for _, v := range vals {
		for s := range strings.SplitSeq(v, ",") {
			s = strings.TrimSpace(s)
			if s == "" {
				continue
			}
			if len(out) >= maxFilterValues {
				return nil, fmt.Errorf("%w: more than %d %s values", ErrBadFilter, maxFilterValues, name)
			}
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// compile validates the spec and builds a filter.
func (sp filterSpec) compile() (*filter, error) {
	f := &filter{}
	var err error
	if f.services, err = splitValues("service", sp.services); err != nil {
		return nil, err
	}
	if f.hosts, err = splitValues("host", sp.hosts); err != nil {
		return nil, err
	}
	if lv := strings.TrimSpace(sp.level); lv != "" {
		l, ok := parse.ParseLevel(lv)
		if !ok {
			return nil, fmt.Errorf("%w: unknown level %q (want trace, debug, info, warn, error or fatal)", ErrBadFilter, lv)
		}
		f.minLevel = l
	}
	for name, s := range map[string]string{"q": sp.q, "re": sp.re} {
		if len(s) > maxFilterText {
			return nil, fmt.Errorf("%w: %s longer than %d bytes", ErrBadFilter, name, maxFilterText)
		}
		if !utf8.ValidString(s) {
			return nil, fmt.Errorf("%w: %s is not valid UTF-8", ErrBadFilter, name)
		}
	}
	f.q = strings.ToLower(sp.q)
	if sp.re != "" {
		if f.re, err = regexp.Compile(sp.re); err != nil {
			return nil, fmt.Errorf("%w: invalid re: %v", ErrBadFilter, err)
		}
	}
	// The key is unambiguous: every part is quoted.
	var kb []byte
	for _, s := range f.services {
		kb = strconv.AppendQuote(append(kb, 's'), s)
	}
	for _, s := range f.hosts {
		kb = strconv.AppendQuote(append(kb, 'h'), s)
	}
	kb = strconv.AppendInt(append(kb, 'l'), int64(f.minLevel), 10)
	kb = strconv.AppendQuote(append(kb, 'q'), f.q)
	kb = strconv.AppendQuote(append(kb, 'r'), sp.re)
	f.key = string(kb)
	return f, nil
}

// request is what the query string of /ws asks for.
type request struct {
	spec     filterSpec
	backfill int
	since    []vecEntry
	hasSince bool
}

// parseQuery validates the /ws query. Errors are meant for an HTTP 400 body.
func parseQuery(q url.Values) (request, error) {
	var req request
	req.spec = filterSpec{
		services: q["service"],
		hosts:    q["host"],
		level:    q.Get("level"),
		q:        q.Get("q"),
		re:       q.Get("re"),
	}
	if s := q.Get("backfill"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || n > maxBackfill {
			return req, fmt.Errorf("%w: backfill must be an integer from 0 to %d, got %q", ErrBadFilter, maxBackfill, s)
		}
		req.backfill = n
	}
	if s, ok := q["since"]; ok && len(s) > 0 && s[0] != "" {
		v, err := decodeCursor(s[0])
		if err != nil {
			return req, fmt.Errorf("since: %w", err)
		}
		req.since, req.hasSince = v, true
	}
	return req, nil
}

// stringList accepts a JSON string (comma-separated values) or an array of
// strings.
type stringList []string

func (l *stringList) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*l = []string{s}
		return nil
	}
	var ss []string
	if err := json.Unmarshal(b, &ss); err != nil {
		return fmt.Errorf("want a string or an array of strings")
	}
	*l = ss
	return nil
}

// clientMessage is a message a client sends.
type clientMessage struct {
	Type    string     `json:"type"`
	Service stringList `json:"service"`
	Host    stringList `json:"host"`
	Level   string     `json:"level"`
	Q       string     `json:"q"`
	Re      string     `json:"re"`
}

// parseClientMessage decodes a client text frame into a compiled filter.
func parseClientMessage(b []byte) (*filter, error) {
	var m clientMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%w: invalid JSON message: %v", ErrBadFilter, err)
	}
	if m.Type != "filter" {
		return nil, fmt.Errorf("%w: unknown message type %q", ErrBadFilter, m.Type)
	}
	return filterSpec{services: m.Service, hosts: m.Host, level: m.Level, q: m.Q, re: m.Re}.compile()
}
