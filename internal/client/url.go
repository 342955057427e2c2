package client

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// endpoint turns what a user types (http://host:8080, https://h/prefix/,
// ws://h/ws, host:8080) into the ws(s):// URL of the /ws endpoint, without a
// query. Query parameters the user gave are kept in q.
func endpoint(raw string) (u *url.URL, q url.Values, err error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return nil, nil, fmt.Errorf("%w: empty (want e.g. http://127.0.0.1:8080)", ErrBadURL)
	}
	if !strings.Contains(s, "://") {
		s = "ws://" + s
	}
	u, err = url.Parse(s)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %q: %v", ErrBadURL, raw, unwrapURLError(err))
	}
	switch strings.ToLower(u.Scheme) {
	case "ws", "http":
		u.Scheme = "ws"
	case "wss", "https":
		u.Scheme = "wss"
	default:
		return nil, nil, fmt.Errorf("%w: %q: scheme %q (want http, https, ws or wss)", ErrBadURL, raw, u.Scheme)
	}
	if u.Hostname() == "" {
		return nil, nil, fmt.Errorf("%w: %q: no host", ErrBadURL, raw)
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return nil, nil, fmt.Errorf("%w: %q: port %q", ErrBadURL, raw, p)
		}
	}
	if u.User != nil {
		return nil, nil, fmt.Errorf("%w: %q: credentials in the URL are not supported, use a token", ErrBadURL, raw)
	}
	q = u.Query()
	u.RawQuery, u.Fragment, u.RawFragment = "", "", ""
	// A path other than /ws is a prefix, such as /tailcast behind a reverse
	// proxy.
	p := strings.TrimRight(u.Path, "/")
	if !strings.HasSuffix(p, "/ws") {
		p += "/ws"
	}
	u.Path = p
	u.RawPath = ""
	return u, q, nil
}

func unwrapURLError(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err
	}
	return err
}

// query builds the connection's query: the user's URL parameters, overridden
// by the filter and by where to start.
func query(base url.Values, f Filter, backfill int, since string) url.Values {
	q := url.Values{}
	for k, v := range base {
		q[k] = append([]string(nil), v...)
	}
	setList := func(key string, vals []string) {
		if len(vals) > 0 {
			q[key] = append([]string(nil), vals...)
		}
	}
	set := func(key, val string) {
		if val != "" {
			q.Set(key, val)
		}
	}
	setList("service", f.Service)
	setList("host", f.Host)
	set("level", f.Level)
	set("q", f.Query)
	set("re", f.Regex)
	setList("where", f.Where)
	setList("pattern", f.Pattern)
	setList("not_pattern", f.NotPattern)
	if since != "" {
		q.Set("since", since)
		q.Del("backfill")
	} else if backfill > 0 {
		q.Set("backfill", strconv.Itoa(backfill))
	}
	// The token travels in the Authorization header, never in a URL that
	// may end up in a proxy's access log.
	return q
}

// Endpoint is the ws:// or wss:// URL of the /ws endpoint Dial connects to
// for what a user typed, without the query. It lets a caller tell, before
// dialling, whether the connection will be encrypted.
func Endpoint(raw string) (*url.URL, error) {
	u, _, err := endpoint(raw)
	return u, err
}
