package collector

import (
	"bytes"
	"errors"
	"os"
	"sort"
	"syscall"
	"time"

	"go.uber.org/zap"
)

type match struct {
	path string
	in   *compiledInput
}

// scan expands the patterns, opens new files and marks vanished ones gone.
func (c *Collector) scan() {
	seen := map[fileKey]match{}
	var st syscall.Stat_t // not os.Stat: a thousand files a second were its garbage
	var dirs map[string]bool
	var links map[string]struct{}
	for _, in := range c.inputs {
		for _, p := range in.expand() {
			ok, link := c.statMatch(in, p, &st, &dirs)
			if link != "" {
				links = c.skipLink(links, link, p)
			}
			if !ok {
				continue
			}
			//nolint:unconvert // Dev is int32 on some platforms
			k := fileKey{Dev: uint64(st.Dev), Ino: uint64(st.Ino)}
			if _, dup := seen[k]; !dup { // first input wins
				seen[k] = match{p, in}
			}
		}
	}
	c.links = links
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	first := c.first
	c.first = false
	defer func() {
		if first {
			// Checkpoints of files not found at start are dropped, so the
			// positions file does not grow with every rotated-away file.
			c.saved = nil
		}
	}()
	c.releaseGone(seen)
	keys := make([]fileKey, 0, len(seen))
	for k := range seen {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return seen[keys[i]].path < seen[keys[j]].path })
	for _, k := range keys {
		if _, ok := c.files[k]; ok {
			continue
		}
		m := seen[k]
		if err := c.open(k, m, first); err != nil {
			c.cfg.Logger.Warn("open file", zap.String("path", m.path), zap.Error(err))
		}
	}
}

// releaseGone marks the open files that no pattern matches any more gone,
// so their readers leave once read to their end, and closes those whose
// readers left and whose records were all acknowledged. Called with c.mu
// held.
func (c *Collector) releaseGone(seen map[fileKey]match) {
	for k, t := range c.files {
		_, present := seen[k]
		t.gone.Store(!present)
		if !present {
			t.wake()
		}
		select {
		case <-t.exited:
			if !t.win.idle() {
				continue // acknowledgements still to come
			}
			if present {
				// Released, then matched again (moved back into a pattern):
				// it is reopened by scan where it was acknowledged.
				if c.saved == nil {
					c.saved = map[fileKey]position{}
				}
				c.saved[k] = t.position()
			} else {
				c.remember(k, t.position())
			}
			delete(c.files, k)
			c.unindex(t)
			t.f.Close()
			c.stats.filesWatched.Add(-1)
			if len(c.byPath[t.path]) == 0 { // a rotated file shares its path's series with its successor
				c.m.lag.DeleteLabelValues(t.source)
			}
		default:
		}
	}
}

// open starts tailing a newly seen file, where startOffset decides. Called
// with c.mu held.
func (c *Collector) open(k fileKey, m match, first bool) error {
	flag := os.O_RDONLY
	if !c.cfg.FollowSymlinks {
		flag |= syscall.O_NOFOLLOW
	}
	f, err := os.OpenFile(m.path, flag, 0)
	if errors.Is(err, syscall.ELOOP) {
		return nil // replaced by a link since it was stat'ed: the next scan skips it
	}
	if err != nil {
		return err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return err
	}
	if k2, ok := keyOf(fi); !ok || k2 != k {
		f.Close()
		return nil // replaced between stat and open; the next scan sees it
	}
	size := fi.Size()
	prefix, fpSum, err := fingerprint(f, size)
	if err != nil {
		f.Close()
		return err
	}
	facts := startFacts{size: size, prefix: prefix, deferred: c.deferred[k], first: first, state: c.state, fromStart: c.cfg.FromStart}
	facts.saved, facts.hasSaved = c.saved[k]
	if !facts.hasSaved {
		r, ok := c.released[k]
		facts.saved, facts.hasSaved = r.position, ok
	}
	if facts.hasSaved {
		delete(c.saved, k)
		delete(c.released, k)
	} else {
		facts.copy, facts.ghostOff = c.copiedFrom(m.path, prefix)
	}
	s := startOffset(facts)
	switch s.action {
	case startDefer:
		c.deferred[k]++
		f.Close()
		return nil
	case startLater:
		f.Close()
		return nil
	}
	delete(c.deferred, k)
	c.cfg.Logger.Debug("open file", zap.String("path", m.path), zap.Int64("start", s.offset), zap.Int64("size", size),
		zap.String("why", s.reason), zap.Int("fp", len(prefix)))
	t := newTailFile(c.deps, m.in, k, m.path, f, prefix, fpSum, s, facts.saved,
		c.m.lag.WithLabelValues(validUTF8(m.path))) // prometheus panics on invalid UTF-8
	c.files[k] = t
	c.byPath[t.path] = append(c.byPath[t.path], t)
	if c.watcher != nil {
		if err := c.watcher.Add(t.path); err != nil {
			c.cfg.Logger.Debug("inotify watch, polling instead", zap.String("path", t.path), zap.Error(err))
		}
	}
	c.stats.filesWatched.Add(1)
	c.readWG.Add(1)
	go func() {
		defer c.readWG.Done()
		t.run(c.readCtx)
	}()
	return nil
}

// copiedFrom tells whether a new file at path whose first bytes are prefix
// is a copy of a file being read, or read before its truncation
// (copytruncate). For copyGhost, off is how far the original was read.
// Called with c.mu held.
func (c *Collector) copiedFrom(path string, prefix []byte) (kind copyKind, off int64) {
	if len(prefix) == 0 {
		return copyNone, 0
	}
	if kind, off := c.ghosts.match(path, prefix); kind != copyNone {
		return kind, off
	}
	for _, t := range c.files {
		if !isCopyName(t.path, path) {
			continue
		}
		if tp := t.fingerprintPrefix(); len(tp) == fingerprintBytes && bytes.HasPrefix(tp, prefix) {
			if len(prefix) < fingerprintBytes {
				return copyPartial, 0
			}
			return copyLive, 0
		}
	}
	return copyNone, 0
}

func (c *Collector) unindex(t *tailFile) {
	ts := c.byPath[t.path]
	for i, x := range ts {
		if x == t {
			ts = append(ts[:i], ts[i+1:]...)
			break
		}
	}
	if len(ts) == 0 {
		delete(c.byPath, t.path)
		if c.watcher != nil {
			_ = c.watcher.Remove(t.path)
		}
		return
	}
	c.byPath[t.path] = ts
}

func (c *Collector) scanLoop() {
	defer c.readWG.Done()
	tk := time.NewTicker(c.cfg.RescanInterval)
	defer tk.Stop()
	for {
		select {
		case <-c.readCtx.Done():
			return
		case <-tk.C:
			c.scan()
		}
	}
}

// releasedFile is a file that left every pattern and was closed. Should it
// come back (renamed back into a pattern), reading resumes where it was
// acknowledged; the fingerprint tells a reused inode apart.
type releasedFile struct {
	position
	at time.Time
}

const (
	releasedTTL = time.Hour
	maxReleased = 10000
)

// remember keeps a released file's position. Called with c.mu held.
func (c *Collector) remember(k fileKey, p position) {
	if len(c.released) >= maxReleased {
		for rk, r := range c.released {
			if time.Since(r.at) > releasedTTL || len(c.released) >= maxReleased {
				delete(c.released, rk)
			}
		}
	}
	c.released[k] = releasedFile{position: p, at: time.Now()}
}
