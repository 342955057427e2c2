package pusher

import (
	"cmp"
	"iter"
	"math"
	"slices"
	"strings"

	"github.com/tailcast/tailcast/internal/multimatch"
)

// maxMatchSeqs bounds the matches a filter's list keeps: past it, the
// oldest half is dropped, and a client still behind them is served by
// testing entries one by one (mayMatches), as before the list.
const maxMatchSeqs = 4096

// minAnchorWord is the shortest q text or regex literal used as an anchor:
// a shorter one is in most messages and selects nothing.
const minAnchorWord = 3

// matchIndex evaluates each new entry once against all viewers' filters,
// instead of each filter scanning every entry: a thousand viewers with
// distinct filters would otherwise cost a thousand filter evaluations per
// entry. Each filter in use has one anchor, a term that every entry it may
// match has: its q text or regex literals (a word), its services, its
// pattern ids, the field of a where (and its value, for key=text), its
// hosts; or none. Per entry, the words are searched for all filters at
// once, in one pass over the lowercased text (multimatch: an Aho–Corasick
// automaton, rebuilt with the anchors; a case-sensitive word is searched
// there lowercased, and confirmed in the message where found), the other
// anchors are map lookups, and only the filters anchored there are
// evaluated (filter.mayMatch: everything but regular expressions, which
// stay on the client's scanner and budget), less the terms their anchor
// proves (mayMatchGiven). A word's filters on a few services are indexed
// by service under the word, and every anchor's filters are sorted by
// minimum level, so that an entry meets only the filters of its service
// and level: the anchor then proves the service and level too. A filter
// with no term but those its anchor proves is not evaluated at all. The
// matches go to a list per filter, from which the flush loop builds
// frames and feeds scanners.
//
// Like svcIndex it belongs to the flush loop: collect syncs it with the
// clients' filters and matches the new entries into it, and nothing else
// touches it.
type matchIndex struct {
	next  uint64 // entries below next have been matched
	lists map[*filter]*matchList
	pass  uint64 // bumped by sync; a list not seen in a pass is dropped

	// The anchors, rebuilt when the set of filters changes.
	words  []anchorWord
	search wordSearch
	svcs   map[string]int // the services the anchors name, numbered
	bySvc  [][]*matchList // by service number
	byPat  map[string][]*matchList
	byKey  map[string][]*matchList // a where's field
	byVal  map[fieldVal][]*matchList
	byHost map[string][]*matchList
	always []*matchList
}

// fieldVal is a field and its value, end to end: the anchor of a where
// key=value whose value is not a number (a number also equals its other
// spellings, 500.0 for 500).
type fieldVal struct{ key, val string }

// anchorWord is a text whose presence the filters of lists need: in the
// lowercased message and field values (fold), or in the message.
type anchorWord struct {
	word  string
	fold  bool
	lists []*matchList
	bySvc [][]*matchList // by service number: the lists of filters on a few services (indexed)
}

// wordSearch finds the anchor words in a record, in one pass over its
// lowercased text: a folded word is searched as is, a case-sensitive one
// lowercased, and confirmed in the message where found. The text starts
// with the lowercased message (strings.ToLower, rune by rune), so that a
// word in the message is there lowercased. A matcher's word id is the
// index of its word in matchIndex.words.
type wordSearch struct {
	m     *multimatch.Matcher // nil: no words
	found multimatch.Found
}

// build makes the search of words.
func (ws *wordSearch) build(words []anchorWord) {
	ws.m = nil
	if len(words) == 0 {
		return
	}
	texts := make([]string, len(words))
	for i := range words {
		texts[i] = words[i].word
		if !words[i].fold {
			texts[i] = strings.ToLower(texts[i])
		}
	}
	ws.m = multimatch.New(texts)
}

// try tries the lists of the words r has; svc is r's service number, -1
// for a service no anchor names.
func (ws *wordSearch) try(words []anchorWord, r *record, svc int) {
	if ws.m == nil {
		return
	}
	ws.m.Find(r.ltext, &ws.found)
	for _, id := range ws.found.IDs() {
		w := &words[id]
		if !w.fold && !strings.Contains(r.msg, w.word) {
			continue
		}
		try(w.lists, r)
		if svc >= 0 && svc < len(w.bySvc) {
			try(w.bySvc[svc], r)
		}
	}
}

// matchList is one filter's matches.
type matchList struct {
	f *filter
	// seqs holds, ascending, every seq in [since, matchIndex.next) of a
	// record that f may match (mayMatch).
	since  uint64
	seqs   []uint64
	tried  uint64 // 1+seq of the last record evaluated: anchors may repeat
	minPos uint64 // the lowest position of f's clients at this pass's start
	pass   uint64
	// given is the terms of f that its anchor proves, which try does not
	// test again; sure: f has no other term, so that a record at the
	// anchor is a match without testing.
	given terms
	sure  bool
}

// anchor records that ml's anchor proves the terms given. Every anchor
// proves the level (try).
func (ml *matchList) anchor(given terms) {
	ml.given = given | termLevel
	ml.sure = ml.f.terms()&^ml.given == 0
}

// list returns f's list, nil when f has none.
func (x *matchIndex) list(f *filter) *matchList { return x.lists[f] }

// sync gives every filter in use a list (starting at next: the entries
// before are served by testing them), drops the lists of filters no longer
// in use, trims each list below its clients' lowest position, and
// rebuilds the anchors when the set of filters changed.
func (x *matchIndex) sync(clients []*client) {
	if x.lists == nil {
		x.lists = make(map[*filter]*matchList)
	}
	x.pass++
	changed := false
	for _, c := range clients {
		f := c.filt.Load()
		if f == nil || f.all() {
			continue
		}
		ml := x.lists[f]
		if ml == nil {
			ml = &matchList{f: f, since: x.next}
			x.lists[f] = ml
			changed = true
		}
		if ml.pass != x.pass {
			ml.pass, ml.minPos = x.pass, math.MaxUint64
		}
		ml.minPos = min(ml.minPos, c.pos)
	}
	for f, ml := range x.lists {
		if ml.pass != x.pass {
			delete(x.lists, f)
			changed = true
			continue
		}
		ml.trim(ml.minPos)
	}
	if changed {
		x.rebuild()
	}
}

// trim drops the matches below pos, which no client of the list needs.
func (ml *matchList) trim(pos uint64) {
	if pos <= ml.since {
		return
	}
	i, _ := slices.BinarySearch(ml.seqs, pos)
	if i > 0 {
		n := copy(ml.seqs, ml.seqs[i:])
		ml.seqs = ml.seqs[:n]
	}
	ml.since = pos
}

// rebuild indexes the lists by their filters' anchors.
func (x *matchIndex) rebuild() {
	x.words = x.words[:0]
	x.svcs = make(map[string]int)
	x.bySvc = nil
	// Number every service an anchor may name first: each by-service
	// table is then allocated once, at its full length.
	for _, ml := range x.lists {
		if indexed(ml.f) {
			for _, s := range ml.f.services {
				if _, ok := x.svcs[s]; !ok {
					x.svcs[s] = len(x.svcs)
				}
			}
		}
	}
	// at returns the list of service s in l.
	at := func(l *[][]*matchList, s string) *[]*matchList {
		if *l == nil {
			*l = make([][]*matchList, len(x.svcs))
		}
		return &(*l)[x.svcs[s]]
	}
	x.byPat = make(map[string][]*matchList)
	x.byKey = make(map[string][]*matchList)
	x.byVal = make(map[fieldVal][]*matchList)
	x.byHost = make(map[string][]*matchList)
	x.always = x.always[:0]
	type wordKey struct {
		word string
		fold bool
	}
	words := make(map[wordKey]int) // index in x.words
	addWord := func(w string, fold bool, ml *matchList) {
		i, ok := words[wordKey{w, fold}]
		if !ok {
			i = len(x.words)
			words[wordKey{w, fold}] = i
			x.words = append(x.words, anchorWord{word: w, fold: fold})
		}
		aw := &x.words[i]
		if !indexed(ml.f) {
			aw.lists = append(aw.lists, ml)
			return
		}
		for _, s := range ml.f.services {
			l := at(&aw.bySvc, s)
			*l = append(*l, ml)
		}
	}
	// A word's filter on a few services is under the word and each of
	// them: the anchor proves its service.
	wordGiven := func(f *filter, t terms) terms {
		if indexed(f) {
			t |= termServices
		}
		return t
	}
	// The q word and the regex literals anchor a filter before its
	// services when they are long enough to select, after the other
	// anchors when they are not.
	anchorQ := func(ml *matchList) {
		addWord(ml.f.q, true, ml)
		// The search is exact: it finds what strings.Contains(ltext, q) does.
		ml.anchor(wordGiven(ml.f, termQ))
	}
	anchorLits := func(ml *matchList) {
		for _, l := range ml.f.pre.lits {
			addWord(l, ml.f.pre.fold, ml)
		}
		ml.anchor(wordGiven(ml.f, termLits))
	}
	// Ranging over a map: the anchors' order does not matter, each list
	// is appended in seq order whatever it is.
	for _, ml := range x.lists {
		f := ml.f
		lits := f.pre.lits
		eq := slices.IndexFunc(f.wheres, func(w where) bool { return w.op == opEq && !w.isNum })
		switch {
		case eq >= 0:
			// Not proven: the where tests the entry's first field of
			// that name, the anchor any of them.
			k := fieldVal{f.wheres[eq].key, f.wheres[eq].val}
			x.byVal[k] = append(x.byVal[k], ml)
			ml.anchor(0)
		case len(f.q) >= minAnchorWord:
			anchorQ(ml)
		case f.re != nil && len(lits) > 0 && shortest(lits) >= minAnchorWord:
			anchorLits(ml)
		case indexed(f):
			for _, s := range f.services {
				l := at(&x.bySvc, s)
				*l = append(*l, ml)
			}
			ml.anchor(termServices)
		case len(f.patterns) > 0:
			for _, p := range f.patterns {
				x.byPat[p] = append(x.byPat[p], ml)
			}
			ml.anchor(termPatterns)
		case len(f.wheres) > 0:
			// Every where needs its field: a field the entry lacks
			// matches nothing, not even !=.
			k := f.wheres[0].key
			x.byKey[k] = append(x.byKey[k], ml)
			ml.anchor(0)
		case f.q != "":
			anchorQ(ml)
		case f.re != nil && len(lits) > 0:
			anchorLits(ml)
		case len(f.hosts) > 0 && len(f.hosts) <= maxIndexServices:
			for _, h := range f.hosts {
				x.byHost[h] = append(x.byHost[h], ml)
			}
			ml.anchor(termHosts)
		default:
			x.always = append(x.always, ml)
			ml.anchor(0)
		}
	}
	// try stops at the first filter above the entry's level.
	byLevel := func(a, b *matchList) int { return cmp.Compare(a.f.minLevel, b.f.minLevel) }
	for i := range x.words {
		slices.SortFunc(x.words[i].lists, byLevel)
		for _, l := range x.words[i].bySvc {
			slices.SortFunc(l, byLevel)
		}
	}
	for _, l := range x.bySvc {
		slices.SortFunc(l, byLevel)
	}
	for _, m := range []map[string][]*matchList{x.byPat, x.byKey, x.byHost} {
		for _, l := range m {
			slices.SortFunc(l, byLevel)
		}
	}
	for _, l := range x.byVal {
		slices.SortFunc(l, byLevel)
	}
	slices.SortFunc(x.always, byLevel)
	x.search.build(x.words)
}

// match evaluates recs, the log's records from next up to tail in order
// (holes left out), against the filters, and moves next to tail. The
// records are immutable. Caller: collect, holding the hub's read lock.
func (x *matchIndex) match(recs []*record, tail uint64) {
	for _, r := range recs {
		svc, ok := x.svcs[r.service]
		if !ok {
			svc = -1
		}
		x.search.try(x.words, r, svc)
		if svc >= 0 && svc < len(x.bySvc) {
			try(x.bySvc[svc], r)
		}
		if len(x.byPat) > 0 && r.pattern != "" {
			try(x.byPat[r.pattern], r)
		}
		if len(x.byKey) > 0 || len(x.byVal) > 0 {
			for _, fl := range r.fields {
				if fl != nil {
					try(x.byKey[fl.Key], r)
					try(x.byVal[fieldVal{fl.Key, fl.Value}], r)
				}
			}
		}
		if len(x.byHost) > 0 {
			try(x.byHost[r.host], r)
		}
		try(x.always, r)
	}
	x.next = max(x.next, tail)
	for _, ml := range x.lists {
		if len(ml.seqs) > maxMatchSeqs {
			ml.trim(ml.seqs[len(ml.seqs)-maxMatchSeqs/2])
		}
	}
}

// try evaluates r against the filters of lists it has not been yet, less
// the terms their anchor proves (matchList.given), lists being sorted by
// minimum level: those past r's level do not match it.
func try(lists []*matchList, r *record) {
	for _, ml := range lists {
		if ml.f.minLevel > r.level {
			return
		}
		if ml.tried == r.seq+1 {
			continue
		}
		ml.tried = r.seq + 1
		if ml.sure || ml.f.mayMatchGiven(r, ml.given) {
			ml.seqs = append(ml.seqs, r.seq)
		}
	}
}

// mayMatches yields, in order, the records in [from, tail) that f may
// match (filter.mayMatch; for a filter without a regular expression, the
// records it matches): from f's list when it reaches back to from, else
// by testing the candidates of the service index. Caller holds the hub's
// read lock, with s.idx and s.mx brought to tail.
func (s *Server) mayMatches(f *filter, from, tail uint64) iter.Seq[*record] {
	l := &s.hub.log
	from = max(from, l.headSeq)
	if ml := s.mx.list(f); ml != nil && from >= ml.since && tail <= s.mx.next {
		return func(yield func(*record) bool) {
			i, _ := slices.BinarySearch(ml.seqs, from)
			for _, seq := range ml.seqs[i:] {
				if seq >= tail {
					return
				}
				// The hub's lock may have been released since from was
				// computed: what was evicted meanwhile is a hole, or a
				// newer record in a reused slot.
				if r := l.at(seq); r != nil && r.seq == seq && !yield(r) {
					return
				}
			}
		}
	}
	all := f.all()
	memo := s.qm.of(f.q)
	return func(yield func(*record) bool) {
		for seq := range s.idx.candidates(f, from, tail) {
			r := l.at(seq)
			if r == nil || !all && (s.qm.rejects(memo, f.q, r) || !f.mayMatch(r)) {
				continue
			}
			if !yield(r) {
				return
			}
		}
	}
}

// pending counts the records in [from, tail) f matches, up to limit; it
// returns limit when it cannot tell cheaply (f has no list reaching back
// to from). Caller: as mayMatches.
func (s *Server) pending(f *filter, from, tail uint64, limit int) int {
	if f.all() {
		return int(min(tail-min(from, tail), uint64(limit)))
	}
	ml := s.mx.list(f)
	if ml == nil || from < ml.since || tail > s.mx.next {
		return limit
	}
	i, _ := slices.BinarySearch(ml.seqs, from)
	j, _ := slices.BinarySearch(ml.seqs, tail)
	return min(j-i, limit)
}
