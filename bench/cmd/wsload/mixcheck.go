package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// check counts as bad an entry of the mix whose sequence number (the ten
// digits and a space before the marker, which ends before) is not above
// the last one c read or is not one c's filter matches.
func (l *load) check(c *conn, before []byte) {
	var seq int64 = -1
	if n := len(before); n >= 11 && before[n-1] == ' ' {
		seq = 0
		for _, d := range before[n-11 : n-1] {
			if d < '0' || d > '9' {
				seq = -1
				break
			}
			seq = seq*10 + int64(d-'0')
		}
	}
	if seq <= c.lastSeq || !l.o.mix.Matches(c.id, seq) {
		c.bad.Add(1)
	}
	c.lastSeq = max(c.lastSeq, seq)
}

// drainMix waits, once the publisher has stopped, until every client has
// read every entry its filter matches among those published, or -drain
// has passed, and reports what is missing and what was wrong.
func (l *load) drainMix(ctx context.Context, res *results, conns []*conn) {
	o := l.o
	published, err := fetchPublished(o.url)
	if err != nil {
		res.set("status", "failed")
		res.add("error", strconv.Quote(err.Error()))
		return
	}
	missing := func() (sum int64, viewers int) {
		for _, c := range conns {
			if d := o.mix.Expected(c.id, 0, published) - c.delivered.Load(); d > 0 {
				sum += d
				viewers++
			}
		}
		return sum, viewers
	}
	deadline := time.Now().Add(o.drain)
	for {
		if n, _ := missing(); n == 0 || time.Now().After(deadline) || ctx.Err() != nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	var expected, bad int64
	for _, c := range conns {
		expected += o.mix.Expected(c.id, 0, published)
		bad += c.bad.Load()
	}
	n, viewers := missing()
	res.add("mix_rate", fmt.Sprintf("%.4f", o.mix.MatchRate()))
	res.add("published", published)
	res.add("expected", expected)
	res.add("missing", n)
	res.add("missing_viewers", viewers)
	res.add("bad", bad)
}

// fetchPublished reads /published from the server of a ws:// URL
// (bench/cmd/pushserve).
func fetchPublished(wsURL string) (int64, error) {
	u, err := url.Parse(wsURL)
	if err != nil {
		return 0, err
	}
	u.Scheme, u.Path, u.RawQuery = "http", "/published", ""
	cl := http.Client{Timeout: 5 * time.Second}
	resp, err := cl.Get(u.String())
	if err != nil {
		return 0, fmt.Errorf("published: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64))
	if err != nil || resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("published: status %d, %v", resp.StatusCode, err)
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("published: %q: %w", b, err)
	}
	return n, nil
}
