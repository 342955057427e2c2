package patterns

// Match returns the pattern line would join now, without adding it: no
// count, template or recency changes. It returns nil when the line would
// start a pattern of its own (or a variant of one). A server uses it to
// name entries read back from storage with the ids its live miner gives,
// without counting them twice. Like Add, it is not safe for concurrent use.
func (m *Miner) Match(line string) *Pattern {
	t := &m.tok
	t.split(line, m.cfg.MaxTokens, m.cfg.MaxLineBytes)
	if !m.noMemo {
		if p := m.memo.get(t, m.gen); p != nil {
			return p // a line that joined p unchanged, as this one would
		}
	}
	leaf := m.search()
	if leaf == nil {
		return nil
	}
	p := m.best(leaf)
	if p == nil || m.cfg.MinWords > 1 && p.wordsDiffer(t) {
		return nil
	}
	return p
}
