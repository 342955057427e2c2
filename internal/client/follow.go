package client

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"
)

// firstBackoff is the wait before the first reconnect attempt; it doubles
// per failed attempt up to Options.MaxBackoff.
const firstBackoff = 250 * time.Millisecond

// callbackError marks an error returned by Follow's fn, so it is returned
// as is and never retried.
type callbackError struct{ err error }

func (e callbackError) Error() string { return e.err.Error() }

// Follow connects and hands every message (hello, entry, gap, dropped,
// error, progress, end) to fn, in order. A bounded History (a range with
// To, or Around) returns nil after its "end" message, and is not resumed
// after a dropped connection. With opts.Reconnect it reconnects after a dropped
// connection, a server going away or an idle timeout, waiting with
// exponential backoff and jitter, and resumes with since=<cursor of the last
// entry fn accepted>, so fn sees no entry twice. It returns fn's error as
// is, ctx.Err() when ctx is done, or the connection's error when retrying
// cannot help: a first connection that fails (wrong URL, server down),
// refused access, or a server that breaks the protocol.
func Follow(ctx context.Context, opts Options, fn func(Message) error) error {
	opts.fill()
	since := opts.Since
	everConnected := false
	attempt := 0
	for {
		o := opts
		o.Since = since
		if since != "" {
			o.Backfill = 0
		}
		c, err := Dial(ctx, o)
		if err == nil {
			everConnected = true
			start := time.Now()
			var progressed bool
			err = follow(ctx, c, fn, &since, &progressed, opts.History.bounded())
			c.Close()
			if progressed || time.Since(start) >= opts.MaxBackoff {
				attempt = 0
			}
		}
		var cbErr callbackError
		switch {
		case errors.Is(err, errEnded):
			return nil
		case errors.As(err, &cbErr):
			return cbErr.err
		case ctx.Err() != nil:
			return ctx.Err()
		case !opts.Reconnect, !everConnected, Permanent(err), opts.History.bounded():
			// A bounded reply resumed with since= would not end.
			return err
		}
		wait := backoff(attempt, opts.MaxBackoff)
		attempt++
		if opts.OnDisconnect != nil {
			opts.OnDisconnect(err, wait)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// errEnded ends a bounded reply (a range with an end, or context) at its
// "end" message.
var errEnded = errors.New("reply ended")

// follow reads c until it fails, keeping since at the last delivered
// entry; a bounded reply ends at its "end" message.
func follow(ctx context.Context, c *Conn, fn func(Message) error, since *string, progressed *bool, bounded bool) error {
	for {
		m, err := c.Next(ctx)
		if err != nil {
			return err
		}
		if err := fn(m); err != nil {
			return callbackError{err}
		}
		if m.Type != TypeHello {
			*progressed = true
		}
		if m.Type == TypeEntry && m.Cursor != "" {
			*since = m.Cursor
		}
		if bounded && m.Type == TypeEnd {
			return errEnded
		}
	}
}

// backoff is the wait before reconnect attempt n (0-based): exponential,
// capped, with "equal jitter" so that clients of a restarted server do not
// all come back at once, yet none retries immediately.
func backoff(n int, maxWait time.Duration) time.Duration {
	d := firstBackoff
	for i := 0; i < n && d < maxWait; i++ {
		d *= 2
	}
	d = min(d, maxWait)
	half := d / 2
	return half + rand.N(half+1)
}
