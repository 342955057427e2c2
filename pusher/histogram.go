package pusher

import (
	"strconv"
	"time"

	"github.com/tailcast/tailcast/internal/parse"
	"github.com/tailcast/tailcast/proto/logpb"
)

// histBuckets is about how many time buckets a range's histogram has.
const histBuckets = 100

// levels is how many levels a histogram counts (logpb.Level's values).
const levels = int(logpb.Level_LEVEL_FATAL) + 1

// rangeHistogram counts a range's matching entries by level in equal time
// buckets, so that a viewer draws the volume of the whole range, not only
// of the entries it was sent. Its size is fixed: histBuckets × levels.
type rangeHistogram struct {
	from, step int64 // UnixNano, ns
	counts     [histBuckets][levels]int64
}

// newRangeHistogram covers [from, to) with steps of a whole millisecond.
func newRangeHistogram(from, to int64) *rangeHistogram {
	step := (to - from + histBuckets - 1) / histBuckets
	step = max(time.Millisecond.Nanoseconds(), (step+999_999)/1_000_000*1_000_000)
	return &rangeHistogram{from: from, step: step}
}

func (h *rangeHistogram) add(ts int64, l logpb.Level) {
	i := (ts - h.from) / h.step
	if ts < h.from || i >= histBuckets || int(l) < 0 || int(l) >= levels {
		return
	}
	h.counts[i][l]++
}

// appendHistogram is `{"type":"histogram","from":…,"step_ms":…,"buckets":N,
// "counts":{"error":[…],…},"complete":bool}`: per level that has entries,
// one count per bucket, oldest first.
func (h *rangeHistogram) append(b []byte, complete bool) []byte {
	b = append(b, `{"type":"histogram","from":"`...)
	b = time.Unix(0, h.from).UTC().AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","step_ms":`...)
	b = strconv.AppendInt(b, h.step/1e6, 10)
	b = append(b, `,"buckets":`...)
	b = strconv.AppendInt(b, histBuckets, 10)
	b = append(b, `,"counts":{`...)
	first := true
	for l := range levels {
		var any bool
		for i := range h.counts {
			if h.counts[i][l] != 0 {
				any = true
				break
			}
		}
		if !any {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = append(b, '"')
		b = append(b, parse.LevelName(logpb.Level(l))...)
		b = append(b, `":[`...)
		for i := range h.counts {
			if i > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendInt(b, h.counts[i][l], 10)
		}
		b = append(b, ']')
	}
	b = append(b, `},"complete":`...)
	b = strconv.AppendBool(b, complete)
	return append(b, "}\n"...)
}
