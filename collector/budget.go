package collector

import (
	"context"
	"sync"
	"time"
)

// budget bounds the bytes sent and not yet acknowledged.
type budget struct {
	max  int64
	mu   sync.Mutex
	used int64
	wait chan struct{} // closed and cleared on release when someone waits
}

// acquire blocks until n bytes fit. One entry larger than max is admitted
// when nothing else is in flight, so an oversized entry cannot deadlock.
func (b *budget) acquire(ctx context.Context, n int64) error {
	for {
		b.mu.Lock()
		if b.used == 0 || b.used+n <= b.max {
			b.used += n
			b.mu.Unlock()
			return nil
		}
		if b.wait == nil {
			b.wait = make(chan struct{})
		}
		ch := b.wait
		b.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// tryAcquire takes n bytes if they fit now.
func (b *budget) tryAcquire(n int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.used == 0 || b.used+n <= b.max {
		b.used += n
		return true
	}
	return false
}

func (b *budget) release(n int64) {
	b.mu.Lock()
	b.used -= n
	if b.wait != nil {
		close(b.wait)
		b.wait = nil
	}
	b.mu.Unlock()
}

func (b *budget) inUse() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used
}

// waitEmpty waits until nothing is in flight or timeout passes.
func (b *budget) waitEmpty(timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for {
		b.mu.Lock()
		if b.used == 0 {
			b.mu.Unlock()
			return true
		}
		if b.wait == nil {
			b.wait = make(chan struct{})
		}
		ch := b.wait
		b.mu.Unlock()
		left := time.Until(deadline)
		if left <= 0 {
			return false
		}
		t := time.NewTimer(left)
		select {
		case <-ch:
			t.Stop()
		case <-t.C:
			return false
		}
	}
}
