package consumer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/IBM/sarama"

	"github.com/tailcast/tailcast/proto/logpb"
)

// Scan reads offsets [from, to) of partition straight from the
// partition's leader with plain fetch requests, on a connection of its
// own per broker (so that a scan's large responses never queue ahead of
// the group's live fetches), the next request in flight while fn handles
// the records of the previous one. Like Fetch it returns logStart, starts
// at logStart when from is older, stops at the high watermark and leaves
// the group's positions alone. opt.Keep and opt.Pace are described in
// ScanOptions. size is the record value's length.
//
// Unlike Fetch, a Scan has no deadline as a whole: each request (with its
// retries) must be answered within Config.FetchTimeout. ctx and Close end
// it at once.
func (c *Consumer) Scan(ctx context.Context, partition int32, from, to int64, opt ScanOptions, fn func(offset int64, e *logpb.LogEntry, size int) error) (logStart int64, err error) {
	return c.read(ctx, partition, from, to, false, opt, fn)
}

// ScanOptions are what a Scan may be given besides its range.
type ScanOptions struct {
	// Keep, when not nil, sees each text record before it is decoded: its
	// value and the values of its label headers (what Decode turns into
	// the entry's message and fields), and the values of its service and
	// host headers, which Decode makes the entry's when not empty (nil
	// when a record has none, or several, in any case). A record Keep
	// rejects is passed to fn with a nil entry, undecoded, so that the
	// caller still counts it. Records of the protobuf format are always
	// decoded.
	Keep func(value, service, host []byte, labels [][]byte) bool
	// Pace, when not nil, is called after each fetch response has been
	// received and decoded (the costly part of a scan, done ahead of fn),
	// with how long that took, and the next request waits for it: a
	// caller may rest there to keep the scan to a share of the time. It
	// should return only ctx's error, which ends the Scan.
	Pace func(ctx context.Context, took time.Duration) error
}

// Fetch reads offsets [from, to) of partition (not through the group,
// whose positions it leaves alone) and calls fn for each record in offset
// order. It returns logStart, the oldest offset Kafka still holds: when
// from < logStart the read starts at logStart, and the caller counts the
// gap. to is capped at the high watermark, so Fetch never waits for
// records that do not exist yet. An error from fn stops the read and is
// returned. Fetch is bounded by Config.FetchTimeout as a whole and by ctx;
// Close ends it. Undecodable records are passed to fn as raw text and
// counted, like in the group.
func (c *Consumer) Fetch(ctx context.Context, partition int32, from, to int64, fn func(offset int64, e *logpb.LogEntry) error) (logStart int64, err error) {
	return c.read(ctx, partition, from, to, true, ScanOptions{}, func(off int64, e *logpb.LogEntry, _ int) error { return fn(off, e) })
}

// testHookFetching, when set by a test, runs once a Fetch or Scan is in
// flight.
var testHookFetching func()

// read is Fetch (whole: FetchTimeout bounds the call) and Scan (each
// request is bounded instead).
func (c *Consumer) read(ctx context.Context, partition int32, from, to int64, whole bool, opt ScanOptions, fn func(int64, *logpb.LogEntry, int) error) (int64, error) {
	c.mu.Lock()
	switch c.state {
	case stateNew:
		c.mu.Unlock()
		return 0, ErrNotStarted
	case stateClosed:
		c.mu.Unlock()
		return 0, ErrClosed
	}
	client, life := c.client, c.ctx
	c.fetchWG.Add(1)
	c.mu.Unlock()
	defer c.fetchWG.Done()
	if testHookFetching != nil {
		testHookFetching()
	}

	topic := c.cfg.Topic
	if whole {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, c.cfg.FetchTimeout, fmt.Errorf("fetch took longer than %v: %w", c.cfg.FetchTimeout, context.DeadlineExceeded))
		defer cancel()
	}
	ctx, closed := context.WithCancelCause(ctx)
	defer closed(nil)
	stop := context.AfterFunc(life, func() { closed(ErrClosed) }) // Close ends a read in flight
	defer stop()

	// The fetch responses say where the log starts and ends: asking
	// first would cost two round trips more, which a small read (a
	// context, a resume's probe) notices.
	var logStart int64
	if from >= to || fetchVersion(c.sc.Version) < 5 {
		var hwm int64
		var err error
		logStart, hwm, err = bounds(client, topic, partition)
		if err != nil {
			return 0, err
		}
		from, to = max(from, logStart), min(to, hwm)
		if from >= to {
			return logStart, nil
		}
	}
	fail := func(err error) error {
		return fmt.Errorf("fetch %s/%d [%d,%d): %w", topic, partition, from, to, err)
	}

	resps := make(chan scanResponse, 1)
	c.fetchWG.Add(1)
	go func() {
		defer c.fetchWG.Done()
		c.prefetch(ctx, client, partition, from, to, opt.Pace, resps)
	}()

	var msg sarama.ConsumerMessage // reused: Decode keeps none of it but the slices
	msg.Topic, msg.Partition = topic, partition
	var keepArgs scanArgs
	keep := opt.Keep
	done := ctx.Done()
	next := from
	var timer *time.Timer
	if !whole {
		timer = time.NewTimer(c.cfg.FetchTimeout)
		defer timer.Stop()
	}
	for {
		var timeout <-chan time.Time
		if timer != nil {
			timer.Reset(c.cfg.FetchTimeout)
			timeout = timer.C
		}
		var r scanResponse
		select {
		case r = <-resps:
		case <-ctx.Done():
			return logStart, fail(context.Cause(ctx))
		case <-timeout:
			return logStart, fail(fmt.Errorf("kafka did not answer within %v: %w", c.cfg.FetchTimeout, context.DeadlineExceeded))
		}
		if r.err != nil {
			return logStart, fail(r.err)
		}
		logStart = max(logStart, r.logStart) // retention may move it on while we read
		if r.block != nil {
			err := eachRecord(r.block, func(off int64, rec *sarama.Record, ts time.Time) error {
				if off < next || off >= to {
					return nil
				}
				select {
				case <-done:
					return errStopped
				default:
				}
				next = off + 1
				var h headers
				h.read(rec.Headers)
				if keep != nil && !h.protobuf {
					service, host, labels := keepArgs.of(&h, rec.Headers)
					if !keep(rec.Value, service, host, labels) {
						return fn(off, nil, len(rec.Value))
					}
				}
				msg.Offset, msg.Key, msg.Value, msg.Headers, msg.Timestamp = off, rec.Key, rec.Value, rec.Headers, ts
				e, derr := Decode(&msg)
				if derr != nil {
					c.decodeError(derr)
				}
				c.m.fetched.Inc()
				return fn(off, e, len(rec.Value))
			})
			if errors.Is(err, errStopped) {
				return logStart, fail(context.Cause(ctx))
			}
			if err != nil {
				return logStart, err
			}
		}
		next = max(next, r.next)
		if r.done {
			return logStart, nil
		}
	}
}

// errStopped stops eachRecord when the read's context ends.
var errStopped = errors.New("stopped")

// scanArgs is what a Scan's keep sees of a record, with scratch space
// reused from one record to the next.
type scanArgs struct {
	labels            [][]byte
	lastPath, lastSvc []byte // a file's default service, kept for its next records
}

func (a *scanArgs) addLabel(_, v []byte) { a.labels = append(a.labels, v) }

// of returns the service and host Decode gives the entry of a record whose
// headers h read from hs (nil when its line may decide them: no header, or
// an empty one), and the values of its labels, of the meta header and of
// "label.K" headers alike, all of which become the entry's fields.
func (a *scanArgs) of(h *headers, hs []*sarama.RecordHeader) (service, host []byte, labels [][]byte) {
	service, host = h.service, h.host
	if h.path != nil && h.metaDefault {
		if a.lastSvc == nil || !bytes.Equal(a.lastPath, h.path) {
			a.lastPath = append(a.lastPath[:0], h.path...)
			a.lastSvc = []byte(logpb.DefaultService(string(h.path)))
		}
		service = a.lastSvc
	}
	a.labels = a.labels[:0]
	h.eachLabel(hs, a.addLabel)
	return service, host, a.labels
}
