package httpserve

import (
	"context"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// OnSIGHUP calls fn for every SIGHUP until ctx ends or stop is called,
// whichever is first; stop waits for a call in progress. While it runs,
// SIGHUP no longer terminates the process (its default action): the CLI
// calls it for every server command, with fn reloading the TLS certificate
// (Server.ReloadCert) or doing nothing.
func OnSIGHUP(ctx context.Context, fn func()) (stop func()) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGHUP)
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-ctx.Done():
				return
			case <-ch:
				if fn != nil {
					fn()
				}
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			cancel()
			wg.Wait()
			signal.Stop(ch)
		})
	}
}
