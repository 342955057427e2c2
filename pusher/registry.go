package pusher

import "go.uber.org/zap"

// intern returns the shared instance of f. Caller holds s.mu.
func (s *Server) intern(f *filter) *filter {
	e := s.filters[f.key]
	if e == nil {
		e = &internedFilter{f: f}
		s.filters[f.key] = e
	}
	e.refs++
	return e.f
}

// unintern releases a reference taken by intern. Caller holds s.mu.
func (s *Server) unintern(f *filter) {
	if e := s.filters[f.key]; e != nil {
		if e.refs--; e.refs <= 0 {
			delete(s.filters, f.key)
		}
	}
}

// drop closes c's connection and unregisters it; only the first call acts.
func (s *Server) drop(c *client, reason string) {
	if !c.closed.CompareAndSwap(false, true) {
		return
	}
	if c.polled.Load() {
		s.closePolled(c)
	} else {
		c.conn.Close()
	}
	s.unregister(c, reason)
}

func (s *Server) unregister(c *client, reason string) {
	s.mu.Lock()
	if c.idx >= 0 {
		last := len(s.clients) - 1
		s.clients[c.idx] = s.clients[last]
		s.clients[c.idx].idx = c.idx
		s.clients[last] = nil
		s.clients = s.clients[:last]
		c.idx = -1
		s.m.connections.Dec()
	}
	if c.scan != nil {
		c.scan.stop()
		c.scan = nil
	}
	if f := c.filt.Swap(nil); f != nil {
		s.unintern(f)
	}
	s.mu.Unlock()
	s.releaseIP(c.ip)
	s.m.disconnects.WithLabelValues(reason).Inc()
	s.log.Debug("websocket closed", zap.String("remote", c.conn.RemoteAddr().String()), zap.String("reason", reason))
}
