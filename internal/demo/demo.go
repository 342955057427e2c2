package demo

import (
	"bufio"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"go.uber.org/zap"
)

// Config configures Run.
type Config struct {
	// Dir receives <service>.log per service; it is created if missing.
	// Required.
	Dir string
	// Rate is entries per second over all services. An entry is one line,
	// or one error line plus its stack trace. Default 10.
	Rate float64
	// Services names the files and the services in them. Default: api,
	// worker, auth, billing, frontend. Each gets a style by its name (see
	// styleFor); other names cycle through the styles.
	Services []string
	// Seed makes the content reproducible. Default 0: seeded from the clock.
	Seed int64
	// Lines stops Run after this many entries. Default 0: until ctx is done.
	Lines int
	// RotateBytes renames a file to <file>.1 (replacing the previous .1)
	// and starts a new one once it reaches this size. Default 0: never.
	RotateBytes int64
	// Logger reports start and rotations. Default nil: no logging.
	Logger *zap.Logger
}

// DefaultServices are the services written when Config.Services is empty.
var DefaultServices = []string{"api", "worker", "auth", "billing", "frontend"}

const (
	// maxTick bounds how long written lines wait in the buffer; minTick
	// bounds the wake-ups at high rates.
	minTick = 5 * time.Millisecond
	maxTick = 100 * time.Millisecond
	// bufSize holds several entries; an entry is never split across writes.
	bufSize = 64 << 10
)

// WithDefaults returns cfg with Rate and Services set to the defaults Run
// gives them when zero, so that a caller (tailcast's --help) shows them
// without a second copy.
func (cfg Config) WithDefaults() Config {
	if cfg.Rate == 0 {
		cfg.Rate = 10
	}
	if len(cfg.Services) == 0 {
		cfg.Services = DefaultServices
	}
	return cfg
}

func (cfg *Config) fill() error {
	if cfg.Dir == "" {
		return fmt.Errorf("%w: Dir is required", ErrConfig)
	}
	*cfg = cfg.WithDefaults()
	if cfg.Rate < 0 || math.IsNaN(cfg.Rate) || math.IsInf(cfg.Rate, 0) {
		return fmt.Errorf("%w: rate %v (want lines per second > 0)", ErrConfig, cfg.Rate)
	}
	if cfg.Lines < 0 {
		return fmt.Errorf("%w: lines %d (want >= 0)", ErrConfig, cfg.Lines)
	}
	if cfg.RotateBytes < 0 {
		return fmt.Errorf("%w: rotate bytes %d (want >= 0)", ErrConfig, cfg.RotateBytes)
	}
	seen := map[string]bool{}
	for _, s := range cfg.Services {
		if s == "" || s == "." || s == ".." || strings.ContainsAny(s, `/\`) {
			return fmt.Errorf("%w: service name %q (want a plain file name)", ErrConfig, s)
		}
		if seen[s] {
			return fmt.Errorf("%w: service %q listed twice", ErrConfig, s)
		}
		seen[s] = true
	}
	if cfg.Seed == 0 {
		cfg.Seed = time.Now().UnixNano()
	}
	if cfg.Logger == nil {
		cfg.Logger = zap.NewNop()
	}
	return nil
}

// Run writes entries to cfg.Dir at cfg.Rate until ctx is done (it then
// returns nil) or cfg.Lines entries are written.
func Run(ctx context.Context, cfg Config) error {
	if err := cfg.fill(); err != nil {
		return err
	}
	if err := os.MkdirAll(cfg.Dir, 0o755); err != nil {
		return fmt.Errorf("create demo dir: %w", err)
	}
	rng := rand.New(rand.NewPCG(uint64(cfg.Seed), uint64(cfg.Seed)>>1^0x9e3779b97f4a7c15))
	files := make([]*file, 0, len(cfg.Services))
	defer func() {
		for _, f := range files {
			f.close()
		}
	}()
	for i, s := range cfg.Services {
		f, err := openFile(filepath.Join(cfg.Dir, s+".log"), cfg.RotateBytes, cfg.Logger)
		if err != nil {
			return err
		}
		f.gen = newGenerator(s, styleFor(s, i), rng)
		files = append(files, f)
	}
	cfg.Logger.Info("demo logs",
		zap.String("dir", cfg.Dir), zap.Float64("rate", cfg.Rate), zap.Strings("services", cfg.Services))

	p := pacer{rate: cfg.Rate, start: time.Now()}
	t := time.NewTicker(min(max(time.Duration(float64(time.Second)/cfg.Rate), minTick), maxTick))
	defer t.Stop()
	written := 0
	for {
		n := p.take(time.Now())
		for i := int64(0); i < n; i++ {
			if i%256 == 255 && ctx.Err() != nil {
				break
			}
			f := files[rng.IntN(len(files))]
			if err := f.write(f.gen.entry(time.Now().UTC())); err != nil {
				return err
			}
			written++
			if cfg.Lines > 0 && written >= cfg.Lines {
				return flushAll(files)
			}
		}
		if err := flushAll(files); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

func flushAll(files []*file) error {
	for _, f := range files {
		if err := f.flush(); err != nil {
			return err
		}
	}
	return nil
}

// pacer is a token bucket measured from the start, so the rate holds over
// time whatever the ticker's jitter. After a stall (a suspended laptop) it
// writes at most one second's worth at once and forgets the rest.
type pacer struct {
	rate  float64
	start time.Time
	sent  int64 // tokens taken, written or forgotten
}

// take returns how many entries are due at now.
func (p *pacer) take(now time.Time) int64 {
	due := int64(now.Sub(p.start).Seconds()*p.rate) - p.sent
	if burst := int64(max(p.rate, 1)); due > burst {
		p.sent += due - burst
		due = burst
	}
	if due < 0 {
		return 0
	}
	p.sent += due
	return due
}

// file is one service's log, appended through a buffer.
type file struct {
	path   string
	f      *os.File
	w      *bufio.Writer
	size   int64
	rotate int64
	log    *zap.Logger
	gen    *generator
}

func openFile(path string, rotate int64, log *zap.Logger) (*file, error) {
	f := &file{path: path, rotate: rotate, log: log}
	if err := f.open(); err != nil {
		return nil, err
	}
	return f, nil
}

func (f *file) open() error {
	fh, err := os.OpenFile(f.path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("open demo log: %w", err)
	}
	st, err := fh.Stat()
	if err != nil {
		fh.Close()
		return fmt.Errorf("stat demo log: %w", err)
	}
	f.f, f.size = fh, st.Size()
	if f.w == nil {
		f.w = bufio.NewWriterSize(fh, bufSize)
	} else {
		f.w.Reset(fh)
	}
	return nil
}

// write appends one entry; it is never split across two writes to the file,
// so a tailer never sees half a stack trace for long.
func (f *file) write(entry []byte) error {
	if f.w.Available() < len(entry) {
		if err := f.flush(); err != nil {
			return err
		}
	}
	f.w.Write(entry) // errors stick in the writer and surface at flush
	f.size += int64(len(entry))
	if f.rotate > 0 && f.size >= f.rotate {
		return f.rotateNow()
	}
	return nil
}

func (f *file) flush() error {
	if err := f.w.Flush(); err != nil {
		return fmt.Errorf("write demo log: %w", err)
	}
	return nil
}

func (f *file) rotateNow() error {
	if err := f.flush(); err != nil {
		return err
	}
	if err := f.f.Close(); err != nil {
		return fmt.Errorf("close demo log: %w", err)
	}
	if err := os.Rename(f.path, f.path+".1"); err != nil {
		return fmt.Errorf("rotate demo log: %w", err)
	}
	f.log.Debug("rotated", zap.String("file", f.path), zap.Int64("bytes", f.size))
	return f.open()
}

func (f *file) close() {
	f.flush()
	f.f.Close()
}
