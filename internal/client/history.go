package client

import (
	"net/url"
	"strconv"
)

// History asks for the past (docs/protocol.md, "Time ranges" and
// "Context"): a time range, or the lines around one entry.
type History struct {
	// From starts a time range: RFC 3339, or a duration meaning that long
	// ago ("15m"). Default "": no range.
	From string
	// To ends the range, in the same forms; the server then sends "end"
	// and closes. Default "": after the range, follow live.
	To string
	// Limit caps the entries of the range. Default 0: the server's (5000).
	Limit int
	// Newest sends the newest Limit matches of the range instead of the
	// oldest. Default false.
	Newest bool
	// Around is the cursor of an entry whose context (its file's lines
	// before and after it) is asked for. Default "": none.
	Around string
	// Before and After are how many lines of context (tailcast tail's
	// -B and -A default to 50). Default 0: none.
	Before, After int
	// Partition is the entry's partition, when the server no longer holds
	// it in memory and its cursor names several. Default nil: the server
	// finds it.
	Partition *int
}

// bounded reports whether the reply ends (with an "end" message) rather
// than going live.
func (h History) bounded() bool { return h.Around != "" || h.From != "" && h.To != "" }

func (h History) addTo(q url.Values) {
	set := func(k, v string) {
		if v != "" {
			q.Set(k, v)
		}
	}
	num := func(k string, n int) {
		if n > 0 {
			q.Set(k, strconv.Itoa(n))
		}
	}
	switch {
	case h.Around != "":
		set("around", h.Around)
		q.Set("before", strconv.Itoa(max(h.Before, 0)))
		q.Set("after", strconv.Itoa(max(h.After, 0)))
		if h.Partition != nil {
			q.Set("part", strconv.Itoa(*h.Partition))
		}
		q.Del("backfill")
	case h.From != "":
		set("from", h.From)
		set("to", h.To)
		num("limit", h.Limit)
		if h.Newest {
			q.Set("newest", "1")
		}
		q.Del("backfill")
	}
}
