package pusher

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"time"
)

// maxQueryBytes caps the /ws query string (414 beyond): room for the
// longest filter (4 KiB of q and of re), values and a cursor of some
// hundred partitions.
const maxQueryBytes = 16 << 10

// request is what the query string of /ws asks for.
type request struct {
	spec      filterSpec
	backfill  int
	since     []vecEntry
	hasSince  bool
	rng       *timeRange    // from=: a time-range query (history.go)
	around    *contextQuery // around=: a context query (context.go)
	aroundRaw string
	patTop    int // patterns=1: the top patterns to send (patterns_top.go); 0: none
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
		wheres:   q["where"],
		patterns: q["pattern"],
		notPats:  q["not_pattern"],
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
	var err error
	if req.rng, err = parseRange(q, time.Now()); err != nil {
		return req, err
	}
	if req.around, err = parseContext(q); err != nil {
		return req, err
	}
	req.aroundRaw = q.Get("around")
	if q.Has("patterns") || q.Has("top") {
		if req.patTop, err = parsePatternTop(q.Get("patterns"), q.Get("top")); err != nil {
			return req, err
		}
	}
	return req, nil
}

// stringList accepts a JSON string (comma-separated values) or an array of
// strings.
type stringList []string

// clientMessage is a message a client sends.
type clientMessage struct {
	Type     string     `json:"type"`
	Service  stringList `json:"service"`
	Host     stringList `json:"host"`
	Level    string     `json:"level"`
	Q        string     `json:"q"`
	Re       string     `json:"re"`
	Where    stringList `json:"where"`
	Pattern  stringList `json:"pattern"`
	NotPat   stringList `json:"not_pattern"`
	Backfill *int       `json:"backfill"`
	Top      *int       `json:"top"` // "patterns" messages
}

// filterChange is a parsed filter message: the filter, and how many held
// entries matching it to refill the client with (-1: no refill).
type filterChange struct {
	f        *filter
	backfill int
	patTop   int // a "patterns" message: the top N to send, 0 to stop (f is nil)
}

// parseClientMessage decodes a client text frame into a compiled filter.
func parseClientMessage(b []byte) (filterChange, error) {
	var m clientMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return filterChange{}, fmt.Errorf("%w: invalid JSON message: %v", ErrBadFilter, err)
	}
	if m.Type == "patterns" {
		top := defaultPatternTop
		if m.Top != nil {
			top = *m.Top
		}
		if top < 0 || top > maxPatternTop {
			return filterChange{}, fmt.Errorf("%w: top must be an integer from 0 to %d, got %d", ErrBadFilter, maxPatternTop, top)
		}
		return filterChange{patTop: top}, nil
	}
	if m.Type != "filter" {
		return filterChange{}, fmt.Errorf("%w: unknown message type %q", ErrBadFilter, m.Type)
	}
	fc := filterChange{backfill: -1}
	if m.Backfill != nil {
		if n := *m.Backfill; n < 0 || n > maxBackfill {
			return filterChange{}, fmt.Errorf("%w: backfill must be an integer from 0 to %d, got %d", ErrBadFilter, maxBackfill, n)
		}
		fc.backfill = *m.Backfill
	}
	var err error
	fc.f, err = filterSpec{services: m.Service, hosts: m.Host, level: m.Level, q: m.Q, re: m.Re, wheres: m.Where, patterns: m.Pattern, notPats: m.NotPat}.compile()
	return fc, err
}

// parsePatternTop reads patterns= (1 or true: subscribe; 0 or false: not)
// and top= (how many patterns, default defaultPatternTop).
func parsePatternTop(on, top string) (int, error) {
	switch on {
	case "1", "true", "":
	case "0", "false":
		return 0, nil
	default:
		return 0, fmt.Errorf("%w: patterns must be 1 or 0, got %q", ErrBadFilter, on)
	}
	if top == "" {
		return defaultPatternTop, nil
	}
	n, err := strconv.Atoi(top)
	if err != nil || n < 1 || n > maxPatternTop {
		return 0, fmt.Errorf("%w: top must be an integer from 1 to %d, got %q", ErrBadFilter, maxPatternTop, top)
	}
	return n, nil
}
