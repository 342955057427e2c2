package benchline

import (
	"strconv"
	"time"
)

// filler pads a line to its size: the text of a typical access-log line.
const filler = " GET /api/v1/orders/12345 200 12.5ms user alice agent Mozilla/5.0 (X11; Linux x86_64) region eu-west-1 shard 7 cache miss retry 0 path /checkout/confirm"

// MinSize is the smallest line size Append keeps whole: the sequence
// number, the marker and a unix-nanosecond stamp.
const MinSize = 50

// Append appends line seq of exactly size bytes, its newline included:
//
//	tailcast-bench 0000000042 @@1732300000123456789 GET /api/v1/orders …
//
// The line has no '=' and no leading timestamp, so every server sees it as
// one plain-text entry. ts is the stamp in decimal.
func Append(b []byte, seq int64, marker string, ts []byte, size int) []byte {
	n0 := len(b)
	b = append(b, "tailcast-bench "...)
	var num [20]byte
	s := strconv.AppendInt(num[:0], seq, 10)
	for range 10 - len(s) {
		b = append(b, '0')
	}
	b = append(b, s...)
	b = append(b, ' ')
	b = append(b, marker...)
	b = append(b, ts...)
	for len(b)-n0 < size-1 {
		k := min(size-1-(len(b)-n0), len(filler))
		b = append(b, filler[:k]...)
	}
	b = b[:n0+size-1]
	return append(b, '\n')
}

// Bucket paces lines at a steady rate, refilled by the caller's ticks. A
// stall (the machine is shared) is caught up, but by at most a tenth of a
// second of lines at once: a larger burst would measure the stall.
type Bucket struct {
	rate     float64
	start    time.Time
	maxBurst int64
	sent     int64
	skipped  int64
}

// NewBucket starts a bucket of rate lines per second at start.
func NewBucket(rate float64, start time.Time) *Bucket {
	return &Bucket{rate: rate, start: start, maxBurst: max(1, int64(rate/10))}
}

// Due returns how many lines are due at now and counts them as sent.
func (b *Bucket) Due(now time.Time) int64 {
	due := int64(now.Sub(b.start).Seconds()*b.rate) - b.sent - b.skipped
	if due <= 0 {
		return 0
	}
	if due > b.maxBurst {
		b.skipped += due - b.maxBurst
		due = b.maxBurst
	}
	b.sent += due
	return due
}

// Sent is the lines handed out so far; Skipped those dropped after stalls.
func (b *Bucket) Sent() int64    { return b.sent }
func (b *Bucket) Skipped() int64 { return b.skipped }
