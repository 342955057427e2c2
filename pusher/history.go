package pusher

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Limits of a time-range query.
const (
	defaultHistoryLimit = 5000
	maxHistoryLimit     = 100_000
)

// timeRange is what from=, to=, limit= and newest= ask for: the entries
// whose own time is in [from, to), oldest first (or the newest limit of
// them), then, without to, live.
type timeRange struct {
	from, to int64 // UnixNano; to is 0 without to=
	hasTo    bool
	limit    int
	newest   bool
}

// contains reports whether an entry time is in the range.
func (tr *timeRange) contains(ts int64) bool {
	return ts >= tr.from && (!tr.hasTo || ts < tr.to)
}

// parseWhen reads an RFC 3339 time, or a duration meaning that long
// before now ("15m", "2h", "1h30m").
func parseWhen(name, s string, now time.Time) (int64, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UnixNano(), nil
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d).UnixNano(), nil
	}
	return 0, fmt.Errorf("%w: %s %q: want an RFC 3339 time (2026-12-06T10:02:00Z) or a duration meaning that long ago (15m, 2h)", ErrBadFilter, name, s)
}

// parseRange reads the time-range parameters; nil when there are none.
func parseRange(q url.Values, now time.Time) (*timeRange, error) {
	from, to := q.Get("from"), q.Get("to")
	if from == "" {
		for _, k := range []string{"to", "limit", "newest"} {
			if q.Get(k) != "" {
				return nil, fmt.Errorf("%w: %s needs from", ErrBadFilter, k)
			}
		}
		return nil, nil
	}
	tr := &timeRange{limit: defaultHistoryLimit}
	var err error
	if tr.from, err = parseWhen("from", from, now); err != nil {
		return nil, err
	}
	if to != "" {
		if tr.to, err = parseWhen("to", to, now); err != nil {
			return nil, err
		}
		tr.hasTo = true
		if tr.to <= tr.from {
			return nil, fmt.Errorf("%w: to (%s) must be after from (%s)", ErrBadFilter, to, from)
		}
	}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxHistoryLimit {
			return nil, fmt.Errorf("%w: limit must be an integer from 1 to %d, got %q", ErrBadFilter, maxHistoryLimit, s)
		}
		tr.limit = n
	}
	switch s := q.Get("newest"); s {
	case "", "0", "false":
	case "1", "true":
		tr.newest = true
	default:
		return nil, fmt.Errorf("%w: newest must be 1 or 0, got %q", ErrBadFilter, s)
	}
	if q.Has("since") || q.Get("backfill") != "" {
		return nil, fmt.Errorf("%w: from cannot be combined with since or backfill", ErrBadFilter)
	}
	return tr, nil
}

// histQuery is a client's running history query: a filter message or the
// client going away stops it at once.
type histQuery struct {
	stop func()

	mu      sync.Mutex
	over    bool          // the client is live: filter messages apply as usual
	pending *filterChange // a filter message that stopped the query
}

// filterChanged stops the query for fc and keeps fc for when the client
// goes live. It reports false once the query is over.
func (q *histQuery) filterChanged(fc filterChange) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.over {
		return false
	}
	q.pending = &fc
	q.stop()
	return true
}

// finish ends the query's hold on filter messages and returns the one that
// stopped it, if any.
func (q *histQuery) finish() *filterChange {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.over = true
	return q.pending
}

// acquireHistory takes one of the server's and of ip's history query
// slots, or says why not.
func (s *Server) acquireHistory(ip string) (release func(), err error) {
	s.histMu.Lock()
	defer s.histMu.Unlock()
	switch {
	case s.histRunning >= s.cfg.HistoryQueries:
		err = fmt.Errorf("too many history queries: %d are running on this server, at most %d at once; try again shortly", s.histRunning, s.cfg.HistoryQueries)
	case s.histPerIP[ip] >= s.cfg.HistoryPerIP:
		err = fmt.Errorf("too many history queries from %s: at most %d at once; wait for the running one to end", ip, s.cfg.HistoryPerIP)
	}
	if err != nil {
		s.m.hist.refused.Inc()
		return nil, err
	}
	if s.histPerIP == nil {
		s.histPerIP = map[string]int{}
	}
	s.histRunning++
	s.histPerIP[ip]++
	s.m.hist.running.Inc()
	var once sync.Once
	return func() {
		once.Do(func() {
			s.histMu.Lock()
			defer s.histMu.Unlock()
			s.histRunning--
			if s.histPerIP[ip]--; s.histPerIP[ip] <= 0 {
				delete(s.histPerIP, ip)
			}
			s.m.hist.running.Dec()
		})
	}, nil
}
