package collector

import (
	"bytes"
	"context"
	"time"
)

// consume splits data (which starts at file offset base) into lines.
func (t *tailFile) consume(ctx context.Context, data []byte, base int64) bool {
	defer t.countRead()
	maxLine := t.deps.opts.maxLineBytes
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			t.appendCarry(data, base)
			return true
		}
		end := base + int64(i) + 1
		if t.hasCarry {
			t.appendCarry(data[:i], base)
			ok := t.emit(ctx, t.carry, t.carryStart, end, t.carryTrunc)
			t.dropCarry()
			if !ok {
				return false
			}
		} else {
			line, trunc := data[:i], false
			if len(line) > maxLine {
				line, trunc = line[:maxLine], true
			}
			if !t.emit(ctx, line, base, end, trunc) {
				return false
			}
		}
		data = data[i+1:]
		base = end
	}
	return true
}

func (t *tailFile) appendCarry(seg []byte, base int64) {
	if !t.hasCarry {
		t.hasCarry, t.carryStart, t.carry, t.carryTrunc = true, base, t.carry[:0], false
	}
	room := t.deps.opts.maxLineBytes - len(t.carry)
	if len(seg) > room {
		seg = seg[:room]
		t.carryTrunc = true
	}
	t.carry = append(t.carry, seg...)
}

// dropCarry empties the carry once its line was emitted, keeping the buffer
// for the next partial line unless a huge line grew it: a file that once
// had a long line does not pin MaxLineBytes for good.
func (t *tailFile) dropCarry() {
	t.hasCarry, t.carryTrunc = false, false
	if cap(t.carry) > readChunk {
		t.carry = nil
	} else {
		t.carry = t.carry[:0]
	}
}

// flushPartial sends a last line without newline and the joiner's pending
// entry.
func (t *tailFile) flushPartial(ctx context.Context) bool {
	t.readTime = time.Now()
	defer t.countRead()
	if t.hasCarry {
		ok := t.emit(ctx, t.carry, t.carryStart, t.off, t.carryTrunc)
		t.dropCarry()
		if !ok {
			return false
		}
	}
	if e, ok := t.joiner.Flush(); ok {
		trunc := t.pendTrunc
		t.pendTrunc = false
		return t.send(ctx, e, trunc)
	}
	return true
}

// countRead adds the lines emit counted to the collector's counters: once
// a chunk, not two atomics a line.
func (t *tailFile) countRead() {
	if t.linesRead > 0 {
		t.deps.stats.linesRead.Add(t.linesRead)
		t.deps.stats.bytesRead.Add(t.bytesRead)
		t.linesRead, t.bytesRead = 0, 0
	}
}

// emit passes one physical line to the joiner and sends what it completes.
func (t *tailFile) emit(ctx context.Context, line []byte, start, end int64, trunc bool) bool {
	t.linesRead++
	t.bytesRead += end - start
	if trunc {
		t.deps.stats.truncated.Add(1)
	}
	// A CRLF line keeps its '\r' here: inside a multiline entry it is part
	// of the text; send drops the last one, the entry's own terminator.
	done, ok := t.joiner.Add(line, start, end)
	if !ok {
		t.pendTrunc = t.pendTrunc || trunc
		return true
	}
	dtrunc := t.pendTrunc
	if done.End >= end { // the completed entry includes this line
		dtrunc = dtrunc || trunc
		t.pendTrunc = false
	} else {
		t.pendTrunc = trunc
	}
	return t.send(ctx, done, dtrunc)
}
