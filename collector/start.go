package collector

import "hash/crc64"

// startFacts is what the scanner knows about a file it is about to open.
type startFacts struct {
	size   int64  // the file's size now
	prefix []byte // its first min(size, fingerprintBytes) bytes

	// saved is the file's checkpoint: from the positions file, or kept when
	// it was released (moved out of every pattern); hasSaved tells whether
	// there is one.
	saved    position
	hasSaved bool

	// copy tells whether the file looks like a copytruncate copy (looked up
	// only when there is no checkpoint); ghostOff is, for copyGhost, how far
	// the original was read. deferred is how many scans it was put off.
	copy     copyKind
	ghostOff int64
	deferred int

	first     bool // the collector's first scan
	state     bool // a positions file existed at start
	fromStart bool // Config.FromStart
}

// startAction is what the scanner does with a file.
type startAction int

const (
	startOpen  startAction = iota // open it at start.offset
	startDefer                    // maybe a copy being written: count a deferral, look again next scan
	startLater                    // empty: look again next scan, without counting
)

// start is the decision for a file about to be opened.
type start struct {
	action startAction
	offset int64
	// resume: the checkpoint is this file's, so it keeps its ID.
	resume bool
	// copying: a copy that has not reached offset yet; it is not taken for
	// truncated while it grows.
	copying bool
	reason  string
}

// startOffset decides where a newly seen file is read from. It is pure: the
// scanner gathers the facts and applies the decision.
func startOffset(f startFacts) start {
	if f.hasSaved {
		p := f.saved
		// The same inode may be another file now (inode reuse, or truncated
		// and rewritten while the collector was down): only a file whose
		// first bytes still match, and that still reaches the offset, is
		// the one checkpointed.
		if p.FpLen <= len(f.prefix) && p.Offset <= f.size && crc64.Checksum(f.prefix[:p.FpLen], crcTable) == p.FpSum {
			return start{action: startOpen, offset: p.Offset, resume: true, reason: "checkpoint"}
		}
		return start{action: startOpen, reason: "checkpoint of another content: from the start"}
	}
	switch {
	case f.copy == copyGhost:
		// copytruncate: the copy of a file read up to ghostOff before its
		// truncation. The copy may still be being written: wait for it to
		// reach that offset rather than take it for truncated.
		return start{action: startOpen, offset: f.ghostOff, copying: f.ghostOff > f.size, reason: "copy of a truncated file"}
	case f.copy != copyNone && f.deferred < maxDefer:
		// A copy still being written, or of a file about to be truncated:
		// look again at the next scan.
		return start{action: startDefer, reason: "maybe a copy in progress"}
	case f.copy == copyLive:
		// A copy of a file that was not truncated: everything in it is
		// still read from the original.
		return start{action: startOpen, offset: f.size, reason: "copy of a file being read: from its end"}
	case f.copy == copyPartial:
		return start{action: startOpen, reason: "put off enough: from the start"}
	case f.size == 0 && !f.first:
		// Nothing to read yet, and a copy being made starts empty: open it
		// once it has bytes, so its fingerprint can be compared.
		return start{action: startLater, reason: "empty"}
	case f.first && !f.state && !f.fromStart:
		return start{action: startOpen, offset: f.size, reason: "present at first start: from its end"}
	}
	return start{action: startOpen, reason: "new file: from the start"}
}
