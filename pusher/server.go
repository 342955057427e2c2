package pusher

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"runtime"
	"sync"
	"time"

	"github.com/gobwas/ws"
	"github.com/tailcast/tailcast/proto/logpb"
	"go.uber.org/zap"
)

// maxFramePayload bounds one coalesced frame; a client further behind gets
// the rest on the next flush.
const maxFramePayload = 1 << 20

// workerIdle is how long an idle blocking writer or read worker lingers
// for more work.
const workerIdle = 30 * time.Second

// fastQueue is the writer pool's queue length; a flush pass with more jobs
// waits for the pool, which never blocks on a socket.
const fastQueue = 4096

// writers is the size of the writer pool: a write(2) to a socket costs
// about the same kernel work whoever makes it, so one writer per CPU.
func writers() int { return max(2, runtime.GOMAXPROCS(0)) }

// Server is the websocket push server. Create it with New.
type Server struct {
	cfg     Config
	m       *metrics
	log     *zap.Logger
	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	jobs    chan *client  // blocking writes; unbuffered: a send succeeds only to an idle writer
	fast    chan *client  // the writer pool's jobs (non-blocking writes)
	kick    chan struct{} // Publish wakes an idle flush loop
	patKick chan struct{} // a new pattern subscriber wakes patLoop
	reads   chan *client  // same, for read workers
	poll    *poller       // nil: blocking reads, a goroutine per connection

	hub *hub // the log; its own lock, taken after mu

	// mu guards the client registry.
	mu      sync.RWMutex
	closed  bool
	clients []*client
	conns   map[*client]struct{} // every upgraded connection, until its handler returns
	filters map[string]*internedFilter

	// Flush-loop scratch, reused across passes.
	shared     map[sharedKey]sharedFrame
	ctrlTmp    []byte
	batch      []*client  // jobs for the writer pool
	scanTmp    []*record  // the records of the frame being built
	idx        svcIndex   // the log's records by service (index.go)
	qm         qMemo      // q results of the pass (index.go)
	mx         matchIndex // each new entry matched once for all filters (matchindex.go)
	newRecs    []*record  // the pass's new records, for mx
	tailVec    []vecEntry // the hub's vec at the pass's tail (s.hub.vec moves on when collect yields the lock)
	lastActive int        // viewers the last pass sent entries or held back (coalesce.go)

	lingerMu  sync.Mutex
	lingering []lingerConn // see finishClose

	ipMu  sync.Mutex
	perIP map[string]int

	histMu      sync.Mutex // history query slots (history.go)
	histRunning int
	histPerIP   map[string]int
	pace        *livePace // range readers' pacing while live (history_pace.go)

	closeOnce sync.Once
}

type internedFilter struct {
	f    *filter
	refs int
}

type sharedKey struct {
	f   *filter
	pos uint64
}

type sharedFrame struct {
	fr  *frame // nil: nothing matched
	end uint64
	n   int
}

// New validates cfg, fills its defaults and starts the flush loop.
func New(cfg Config) (*Server, error) {
	if err := cfg.fill(); err != nil {
		return nil, fmt.Errorf("pusher config: %w", err)
	}
	m, err := newMetrics(cfg.Registerer)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{
		cfg:     cfg,
		m:       m,
		log:     cfg.Logger,
		ctx:     ctx,
		cancel:  cancel,
		jobs:    make(chan *client),
		fast:    make(chan *client, fastQueue),
		kick:    make(chan struct{}, 1),
		patKick: make(chan struct{}, 1),
		reads:   make(chan *client),
		filters: make(map[string]*internedFilter),
		conns:   make(map[*client]struct{}),
		shared:  make(map[sharedKey]sharedFrame),
		perIP:   make(map[string]int),
	}
	s.hub = newHub(cfg.RingEntries, cfg.RingBytes, s.kick, m.publish)
	s.pace = newLivePace(cfg.HistoryLiveShare, func(d time.Duration) {
		m.hist.rests.Inc()
		m.hist.rested.Add(d.Seconds())
	})
	s.hub.pats = newPatTable(cfg.PatternsPerService, cfg.PatternNew, time.Now())
	if cfg.Registerer != nil {
		if err := cfg.Registerer.Register(newPatCollector(s.hub.pats)); err != nil {
			cancel()
			return nil, fmt.Errorf("register metrics: %w", err)
		}
	}
	if p, err := newPoller(); err != nil {
		s.log.Warn("netpoll unavailable, reading with a goroutine per connection", zap.Error(err))
	} else {
		s.poll = p
		s.wg.Add(1)
		go s.pollLoop()
	}
	for range writers() {
		s.wg.Add(1)
		go s.writeLoop()
	}
	s.wg.Add(1)
	go s.flushLoop()
	s.wg.Add(1)
	go s.patLoop()
	return s, nil
}

// Begin records that consumption of partition starts at next (see
// hub.Begin). It implements consumer.Sink.
func (s *Server) Begin(partition int32, next int64) { s.hub.Begin(partition, next) }

// Publish encodes e once and appends it to the log; it never blocks on a
// client. It implements consumer.Sink.
func (s *Server) Publish(partition int32, offset int64, e *logpb.LogEntry) {
	s.hub.Publish(partition, offset, e)
}

// Clients is the number of registered websocket clients.
func (s *Server) Clients() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.clients)
}

// Close stops accepting, sends close 1001 to every client, waits (up to
// HandshakeTimeout) for those frames to be written, then closes whatever is
// left and waits for every goroutine. It is idempotent.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		s.hub.close()
		s.mu.Lock()
		s.closed = true
		for _, c := range s.clients {
			c.requestClose(ws.StatusGoingAway, "server shutting down", reasonShutdown)
		}
		s.mu.Unlock()

		deadline := time.NewTimer(s.cfg.HandshakeTimeout)
		tick := time.NewTicker(s.cfg.FlushInterval)
	wait:
		for s.Clients() > 0 {
			select {
			case <-deadline.C:
				break wait
			case <-tick.C:
			}
		}
		deadline.Stop()
		tick.Stop()

		s.mu.RLock()
		left := append([]*client(nil), s.clients...)
		lingering := make([]*client, 0, len(s.conns))
		for c := range s.conns {
			lingering = append(lingering, c)
		}
		s.mu.RUnlock()
		for _, c := range left {
			s.drop(c, reasonShutdown)
		}
		for _, c := range lingering {
			if c.polled.Load() {
				s.closePolled(c)
			} else {
				c.conn.Close()
			}
		}
		s.cancel()
		if s.poll != nil {
			s.poll.wake()
		}
		s.wg.Wait()
		s.closeLingering(time.Time{}, true)
		if s.poll != nil {
			s.poll.close()
		}
	})
	return nil
}

// ServeHTTP is the /ws endpoint.
//
// Checks run cheapest first, and nothing is parsed or compiled for a
// request that is not authorized: the URL's length, the token, the origin,
// then the query, the cursor against the partitions the hub knows, and
// last the filter.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if len(r.URL.RawQuery) > maxQueryBytes {
		s.reject(w, http.StatusRequestURITooLong, fmt.Sprintf("query longer than %d bytes", maxQueryBytes))
		return
	}
	if _, ok := w.(http.Hijacker); !ok || r.ProtoMajor > 1 {
		// A websocket over HTTP/2 needs extended CONNECT (RFC 8441),
		// which this server does not speak.
		s.reject(w, http.StatusBadRequest, fmt.Sprintf("websocket upgrade needs HTTP/1.1, this request came over %s: connect with HTTP/1.1 (clients do by default for ws:// and wss://)", r.Proto))
		return
	}
	if !s.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="tailcast"`)
		s.reject(w, http.StatusUnauthorized, "missing or wrong token")
		return
	}
	if !s.originAllowed(r) {
		s.reject(w, http.StatusForbidden, "origin not allowed")
		return
	}
	req, err := parseQuery(r.URL.Query())
	if err != nil {
		s.reject(w, http.StatusBadRequest, err.Error())
		return
	}
	if req.hasSince {
		if err := s.checkCursor(req.since); err != nil {
			s.reject(w, http.StatusBadRequest, err.Error())
			return
		}
	}
	f, err := req.spec.compile()
	if err != nil {
		s.reject(w, http.StatusBadRequest, err.Error())
		return
	}
	ip := remoteIP(r.RemoteAddr)
	var releaseHist func()
	if req.rng != nil || req.around != nil {
		if s.cfg.Fetcher == nil {
			s.reject(w, http.StatusNotImplemented, "time ranges and context need Kafka, and this server has no fetcher")
			return
		}
		if req.around != nil {
			if err := s.resolvePart(req.around, req.aroundRaw); err != nil {
				s.reject(w, http.StatusBadRequest, err.Error())
				return
			}
		}
		if releaseHist, err = s.acquireHistory(ip); err != nil {
			s.reject(w, http.StatusTooManyRequests, err.Error())
			return
		}
		defer releaseHist() // safe twice: the query releases it when its scan ends
	}
	if !s.acquireIP(ip) {
		s.reject(w, http.StatusTooManyRequests, "too many connections from "+ip)
		return
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		s.releaseIP(ip)
		s.reject(w, http.StatusServiceUnavailable, "server shutting down")
		return
	}
	s.wg.Add(1)
	s.mu.Unlock()
	defer s.wg.Done()

	up := ws.HTTPUpgrader{Timeout: s.cfg.HandshakeTimeout}
	conn, rw, _, err := up.Upgrade(r, w)
	if err != nil {
		if conn != nil {
			conn.Close()
		}
		s.releaseIP(ip)
		s.m.rejected.WithLabelValues("upgrade").Inc()
		s.log.Debug("websocket upgrade failed", zap.String("remote", r.RemoteAddr), zap.Error(err))
		return
	}
	limitSendBuffer(conn, s.cfg.SendBuffer)
	c := newClient(s, conn, ip)
	c.patTop.Store(int32(req.patTop))
	s.mu.Lock()
	s.conns[c] = struct{}{}
	s.mu.Unlock()
	defer func() {
		if !c.polled.Load() { // a polled connection outlives this handler
			s.mu.Lock()
			delete(s.conns, c)
			s.mu.Unlock()
		}
	}()
	// Bytes the client sent right after the handshake may sit in rw.
	src := net.Conn(conn)
	if rw != nil && rw.Reader.Buffered() > 0 {
		src = &prefixConn{Conn: conn, r: rw.Reader}
	}
	switch {
	case req.rng != nil:
		s.serveRange(c, src, f, req, releaseHist)
		return
	case req.around != nil:
		s.serveContext(c, src, req.around, releaseHist)
		return
	}
	s.serve(c, src, f, req)
}

// checkCursor refuses a since= cursor that names more partitions than the
// topic has: it would cost a floor entry per partition and client, and a
// longer cursor in every line sent. Just after a restart the consumer may
// not have begun every partition yet, so a cursor naming more than are
// known waits for them (BeginWait) before it is judged.
func (s *Server) checkCursor(v []vecEntry) error {
	if len(v) <= s.hub.partitions() {
		return nil
	}
	s.waitBegin(v)
	if n := s.hub.partitions(); len(v) > n {
		return fmt.Errorf("since: the cursor names %d partitions, the topic has %d", len(v), n)
	}
	return nil
}

// limitSendBuffer caps the kernel's send buffer. Left alone, Linux grows it
// to megabytes, which hides a slow reader's backlog from QueueBytes: the
// server would see a caught-up client until a write blocked, then could
// only cut the connection mid-frame instead of skipping entries and, if it
// stays slow, closing it with 1008.
func limitSendBuffer(conn net.Conn, n int) {
	if tc, ok := conn.(*tls.Conn); ok {
		conn = tc.NetConn()
	}
	if tc, ok := tcpConn(conn); ok {
		_ = tc.SetWriteBuffer(n) // best effort: the limits still hold, later
	}
}

func (s *Server) reject(w http.ResponseWriter, status int, msg string) {
	s.m.rejected.WithLabelValues(fmt.Sprint(status)).Inc()
	http.Error(w, msg, status)
}
