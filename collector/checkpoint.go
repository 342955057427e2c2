package collector

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"go.uber.org/zap"
)

// checkpointLoop writes the positions file every PositionsInterval when it
// changed. Each file's position is its window's acknowledged offset, so
// only what Kafka acknowledged is ever checkpointed; savePositions writes
// atomically.
func (c *Collector) checkpointLoop() {
	defer c.readWG.Done()
	if c.cfg.PositionsFile == "" {
		return
	}
	tk := time.NewTicker(c.cfg.PositionsInterval)
	defer tk.Stop()
	// Two buffers, swapped: a thousand files' positions ten times a second
	// would otherwise be garbage the agent pays for in GC.
	var cur, last []position
	for {
		select {
		case <-c.readCtx.Done():
			return
		case <-tk.C:
			cur = c.positions(cur[:0])
			if slices.Equal(cur, last) {
				continue
			}
			if err := c.save(cur); err != nil {
				c.cfg.Logger.Warn("save positions", zap.Error(err))
				continue
			}
			cur, last = last, cur
		}
	}
}

// positions appends every checkpoint to ps under the lock; the caller writes
// them outside it. Positions loaded at start whose file was not seen yet are
// kept.
func (c *Collector) positions(ps []position) []position {
	c.mu.Lock()
	for _, t := range c.files {
		ps = append(ps, t.position())
	}
	for _, p := range c.saved {
		ps = append(ps, p)
	}
	c.mu.Unlock()
	slices.SortFunc(ps, func(a, b position) int {
		return cmp.Or(strings.Compare(a.Path, b.Path), strings.Compare(a.ID, b.ID))
	})
	return ps
}

func (c *Collector) save(ps []position) error {
	c.saveMu.Lock()
	defer c.saveMu.Unlock()
	c.saveBuf = appendPositions(c.saveBuf[:0], ps)
	return savePositions(c.cfg.PositionsFile, c.saveBuf)
}
