package cli

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/tailcast/tailcast/internal/config"
	"github.com/tailcast/tailcast/internal/demo"
)

// demoCommand is `tailcast demo`: realistic logs to try tailcast on.
type demoCommand struct {
	log logSettings
	cfg demo.Config
}

func newDemoCommand() command { return &demoCommand{} }

func (c *demoCommand) usage() string {
	return "Usage: tailcast demo --dir DIR [--rate N]\n\nWrites realistic logs of several services to DIR until stopped."
}

func (c *demoCommand) bind(s *config.Set) {
	c.log.bind(s)
	c.cfg = demo.Config{}.WithDefaults()
	s.Bind(&c.cfg.Dir, "dir", "directory to write demo logs to (required)")
	s.Bind(&c.cfg.Rate, "rate", "lines per second, all services together")
	s.Bind(&c.cfg.RotateBytes, "rotate-bytes", "rotate a demo file (rename to .1) after this many bytes (0: never)")
}

func (c *demoCommand) args(pos []string) error { return noArgs("demo", pos) }

func (c *demoCommand) validate() error {
	errs := c.log.validate()
	if c.cfg.Dir == "" {
		errs = append(errs, errors.New("dir: required"))
	}
	if c.cfg.Rate <= 0 {
		errs = append(errs, fmt.Errorf("rate %v: must be positive", c.cfg.Rate))
	}
	return joinErrs(errs)
}

func (c *demoCommand) run(ctx context.Context, env Env) error {
	log, err := c.log.logger(env)
	if err != nil {
		return err
	}
	defer log.Sync() //nolint:errcheck // nothing to do about a failed log flush
	if err := os.MkdirAll(c.cfg.Dir, 0o755); err != nil {
		return fmt.Errorf("create demo dir: %w", err)
	}
	fmt.Fprintf(env.Stdout, "tailcast: writing demo logs to %s at %g lines/s\n", c.cfg.Dir, c.cfg.Rate)
	cfg := c.cfg
	cfg.Logger = log
	err = demo.Run(ctx, cfg)
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}
