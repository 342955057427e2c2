package consumer

import (
	"fmt"
	"sync"

	"github.com/IBM/sarama"
)

// scanConns are the connections history reads (Fetch, Scan) use, one per
// broker, apart from the client's own that the group fetches live records
// on: a scan's responses of megabytes would otherwise queue ahead of the
// live ones on one connection. Requests of concurrent scans share a
// connection (sarama pipelines them). Safe for concurrent use.
type scanConns struct {
	conf *sarama.Config

	mu     sync.Mutex
	byID   map[int32]*sarama.Broker
	closed bool
}

// get returns the connection to leader's broker, opening it first.
func (s *scanConns) get(leader *sarama.Broker) (*sarama.Broker, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	if b := s.byID[leader.ID()]; b != nil && b.Addr() == leader.Addr() {
		return b, nil
	} else if b != nil {
		_ = b.Close() // the broker moved
	}
	b := sarama.NewBroker(leader.Addr())
	if err := b.Open(s.conf); err != nil && err != sarama.ErrAlreadyConnected {
		return nil, fmt.Errorf("connect to broker %s: %w", leader.Addr(), err)
	}
	if s.byID == nil {
		s.byID = map[int32]*sarama.Broker{}
	}
	s.byID[leader.ID()] = b
	return b, nil
}

// drop closes b after a request on it failed; the next get opens a new one.
func (s *scanConns) drop(id int32, b *sarama.Broker) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.byID[id] == b {
		delete(s.byID, id)
	}
	_ = b.Close()
}

// close closes every connection; get fails afterwards.
func (s *scanConns) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	for id, b := range s.byID {
		_ = b.Close()
		delete(s.byID, id)
	}
}
