package collector

import (
	"bytes"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// ghost remembers a truncated file's first bytes and how far it was read,
// so a copy of it made by copytruncate resumes there instead of being read
// again from its start.
type ghost struct {
	path   string
	prefix []byte
	off    int64
	at     time.Time
}

const (
	ghostTTL = 5 * time.Minute
	// maxDefer is how many scans a possible copy still being written is
	// put off before it is opened anyway.
	maxDefer = 5
)

// ghosts are the files recently truncated. Tailers add to it when they
// notice a truncation; the scanner asks it about every new file. Safe for
// concurrent use.
type ghosts struct {
	mu   sync.Mutex
	list []ghost
}

// add records a truncation, dropping the expired ones.
func (gs *ghosts) add(g ghost) {
	if len(g.prefix) < fingerprintBytes {
		return // too short to tell a copy from a file with the same header
	}
	gs.mu.Lock()
	defer gs.mu.Unlock()
	kept := gs.list[:0]
	for _, o := range gs.list {
		if time.Since(o.at) < ghostTTL {
			kept = append(kept, o)
		}
	}
	gs.list = append(kept, g)
}

// match finds the newest ghost that a new file at path, whose first bytes
// are prefix, may be a copy of: copyGhost with the offset the original was
// read to, copyPartial when prefix is shorter than a fingerprint (a copy in
// progress), or copyNone.
func (gs *ghosts) match(path string, prefix []byte) (kind copyKind, off int64) {
	gs.mu.Lock()
	defer gs.mu.Unlock()
	for i := len(gs.list) - 1; i >= 0; i-- {
		g := gs.list[i]
		if isCopyName(g.path, path) && time.Since(g.at) < ghostTTL && bytes.HasPrefix(g.prefix, prefix) {
			if len(prefix) < fingerprintBytes {
				return copyPartial, 0
			}
			return copyGhost, g.off
		}
	}
	return copyNone, 0
}

type copyKind int

const (
	copyNone    copyKind = iota
	copyPartial          // agrees with a file's first bytes so far: maybe a copy in progress
	copyLive             // same first bytes as a file still being read
	copyGhost            // same first bytes as a file read up to some offset, then truncated
)

// isCopyName tells whether path may be a copy of orig: only a name that
// extends the original's (app.log.1, app.log-20260102) in the same
// directory counts, so unrelated files sharing a header are not skipped.
func isCopyName(orig, path string) bool {
	return orig != path && filepath.Dir(orig) == filepath.Dir(path) &&
		strings.HasPrefix(filepath.Base(path), filepath.Base(orig))
}
