package collector

import "go.uber.org/zap"

// watchLoop dispatches inotify events to the readers of the path: a
// wake-up hint only, the readers' periodic re-check covers lost events.
func (c *Collector) watchLoop() {
	defer c.readWG.Done()
	for {
		select {
		case <-c.readCtx.Done():
			return
		case ev, ok := <-c.watcher.Events:
			if !ok {
				return
			}
			c.mu.Lock()
			for _, t := range c.byPath[ev.Name] {
				t.wake()
			}
			c.mu.Unlock()
		case err, ok := <-c.watcher.Errors:
			if !ok {
				return
			}
			c.cfg.Logger.Debug("inotify", zap.Error(err))
		}
	}
}
