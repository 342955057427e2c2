package pusher

import (
	"cmp"
	"encoding/json"
	"slices"
	"strconv"
	"time"
)

// Pattern subscriptions: a client that asked for patterns (patterns=1 or
// a {"type":"patterns"} message) is sent a "patterns" message every
// PatternInterval, built by patLoop from the pattern table and queued like
// a control frame, so that the flush loop writes it with the client's
// other frames and no entry waits for it.

const (
	defaultPatternTop = 20
	maxPatternTop     = 200
)

// patternRow is one pattern of a "patterns" message (docs/protocol.md).
type patternRow struct {
	ID        string   `json:"id"`
	Service   string   `json:"service"`
	Template  string   `json:"template"`
	Count     int64    `json:"count"`
	Share     float64  `json:"share"`
	Total     int64    `json:"total"`
	FirstSeen string   `json:"first_seen"`
	LastSeen  string   `json:"last_seen"`
	New       bool     `json:"new,omitempty"`
	Example   string   `json:"example"`
	Spark     []uint32 `json:"spark"`
	Was       []string `json:"was,omitempty"`
}

// patternsMsg is the "patterns" message.
type patternsMsg struct {
	Type     string       `json:"type"`
	BucketS  int          `json:"bucket_s"`
	Total    int64        `json:"total"`
	Distinct int          `json:"distinct"`
	Evicted  int64        `json:"evicted"`
	Learning bool         `json:"learning,omitempty"`
	Since    string       `json:"since,omitempty"` // counts of a filter beyond service are complete from then on
	Patterns []patternRow `json:"patterns"`
}

type patKey struct{ service, id string }

// top summarises the patterns of services (all when empty) over the last
// patBuckets buckets: the top n by count, each handle merged into the
// pattern its id names now.
func (t *patTable) top(services []string, n int, now int64) patternsMsg {
	cur := bucketOf(now)
	msg := patternsMsg{Type: "patterns", BucketS: int(patBucket / time.Second), Patterns: []patternRow{}}
	msg.Learning = t.newFor > 0 && now-t.start < t.newFor
	rows := map[patKey]*patAgg{}
	t.services.Range(func(k, v any) bool {
		name := k.(string)
		if len(services) > 0 && !slices.Contains(services, name) {
			return true
		}
		sp := v.(*svcPatterns)
		sp.mu.Lock()
		defer sp.mu.Unlock()
		msg.Evicted += sp.m.Stats().Evicted
		for p, st := range sp.stats {
			if p.Evicted() {
				continue
			}
			st.renamed(p.ID())
			spark, c := sparkOf(st, cur)
			if c == 0 {
				continue
			}
			key := patKey{name, p.ID()}
			a := rows[key]
			if a == nil {
				a = &patAgg{row: patternRow{ID: key.id, Service: name, Template: p.Template(), Example: st.example}, first: st.first, newFrom: st.first}
				rows[key] = a
			}
			if st.first < a.first {
				a.first, a.row.Example = st.first, st.example
			}
			a.last = max(a.last, st.last)
			for _, w := range st.was {
				if w != key.id && !slices.Contains(a.row.Was, w) && len(a.row.Was) < maxWas {
					a.row.Was = append(a.row.Was, w)
				}
			}
			a.count(spark, c, st.total)
			msg.Total += c
		}
		return true
	})
	t.rank(&msg, rows, n, now)
	return msg
}

// patAgg is one row of a patterns message while its counts are summed.
type patAgg struct {
	row         patternRow
	first, last int64
	spark       [patBuckets]uint32
	newFrom     int64 // the first sighting that decides whether it is new
}

// sparkOf returns st's counts in the patBuckets buckets up to cur, and
// their sum.
func sparkOf(st *patStat, cur int64) (spark [patBuckets]uint32, sum int64) {
	for j := range patBuckets {
		spark[j] = st.at(cur - patBuckets + 1 + int64(j))
		sum += int64(spark[j])
	}
	return spark, sum
}

// count adds one handle's counts to a.
func (a *patAgg) count(spark [patBuckets]uint32, c, total int64) {
	a.row.Count += c
	a.row.Total += total
	for j := range spark {
		a.spark[j] += spark[j]
	}
}

// rank puts the top n of rows, by count, into msg, whose Total is the sum
// of their counts.
func (t *patTable) rank(msg *patternsMsg, rows map[patKey]*patAgg, n int, now int64) {
	all := make([]*patAgg, 0, len(rows))
	for _, a := range rows {
		all = append(all, a)
	}
	slices.SortFunc(all, func(a, b *patAgg) int {
		if c := cmp.Compare(b.row.Count, a.row.Count); c != 0 {
			return c
		}
		return cmp.Compare(a.row.ID, b.row.ID)
	})
	msg.Distinct = len(all)
	for _, a := range all[:min(n, len(all))] {
		a.row.Share = float64(a.row.Count) / float64(max(msg.Total, 1))
		a.row.FirstSeen = time.Unix(0, a.first).UTC().Format(time.RFC3339Nano)
		a.row.LastSeen = time.Unix(0, a.last).UTC().Format(time.RFC3339Nano)
		a.row.New = t.isNew(a.newFrom, now)
		a.row.Spark = a.spark[:]
		msg.Patterns = append(msg.Patterns, a.row)
	}
}

// patLoop sends the pattern subscribers their update every
// PatternInterval, and at once after a client subscribes (patKick). It
// owns the counts of filters beyond service.
func (s *Server) patLoop() {
	defer s.wg.Done()
	tick := time.NewTicker(s.cfg.PatternInterval)
	defer tick.Stop()
	counts := &patCounters{m: map[string]*patCounts{}}
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-tick.C:
		case <-s.patKick:
		}
		s.sendPatterns(counts)
	}
}

// sendPatterns builds one message per distinct (counts, top) and queues
// it to each subscriber, after bringing the filtered counts up to date
// (updateCounts).
func (s *Server) sendPatterns(counts *patCounters) {
	type sub struct {
		c    *client
		key  string
		svc  []string
		ck   string // the filtered counts' key; "": the server's counts
		top  int
		skip bool
	}
	var subs []sub
	var scopes []*filter
	scoped := map[*filter]*filter{} // countScope once per interned filter
	s.mu.RLock()
	for _, c := range s.clients {
		top := int(c.patTop.Load())
		f := c.filt.Load()
		if top <= 0 || f == nil {
			continue
		}
		// A client that has not taken the last update is skipped, so that
		// updates never pile up behind a slow reader; its counts are kept.
		sb := sub{c: c, svc: f.services, top: top, skip: c.hasCtrl()}
		cf, seen := scoped[f]
		if !seen {
			cf, _ = countScope(f)
			scoped[f] = cf
			if cf != nil {
				scopes = append(scopes, cf)
			}
		}
		if cf != nil {
			sb.ck, sb.key = cf.key, "f"+cf.key
		} else {
			key, _ := json.Marshal(f.services)
			sb.key = "s" + string(key)
		}
		sb.key += "/" + strconv.Itoa(top)
		subs = append(subs, sb)
	}
	s.mu.RUnlock()
	now := time.Now()
	s.updateCounts(counts, scopes, now)
	if len(subs) == 0 {
		return
	}
	built := map[string][]byte{}
	for _, sb := range subs {
		if sb.skip {
			continue
		}
		line, ok := built[sb.key]
		if !ok {
			var m patternsMsg
			if pc := counts.m[sb.ck]; sb.ck != "" && pc != nil {
				m = s.hub.pats.topOf(pc, sb.top, now.UnixNano())
			} else {
				m = s.hub.pats.top(sb.svc, sb.top, now.UnixNano())
			}
			b, err := json.Marshal(m)
			if err != nil {
				continue
			}
			line = append(b, '\n')
			built[sb.key] = line
		}
		sb.c.queueText(line)
	}
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// subscribePatterns sets how many patterns c is sent (0: none) and, when
// it subscribes, has it sent an update at once.
func (s *Server) subscribePatterns(c *client, top int) {
	c.patTop.Store(int32(top))
	if top > 0 {
		s.wakePatterns()
	}
}

func (s *Server) wakePatterns() {
	select {
	case s.patKick <- struct{}{}:
	default:
	}
}
