package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/tailcast/tailcast/internal/config"
)

// command is one subcommand with its own settings, as litestream's cmd/ has
// one type per command. Its constructor sets every setting to its default,
// taken from the component that owns it (collector.Config{}.WithDefaults()
// and so on), so that --help, docs/configuration.md and the running program
// agree on one definition.
type command interface {
	// usage is the text --help prints above the flags.
	usage() string
	// bind binds every setting to s, one s.Bind line each.
	bind(s *config.Set)
	// args takes the positional arguments.
	args(pos []string) error
	// validate reports every problem with the settings at once.
	validate() error
	// run runs the command until ctx is done.
	run(ctx context.Context, env Env) error
}

// newSet returns a fresh command of e and its bound flag set.
func newSet(e entry) (command, *config.Set) {
	c := e.newCmd()
	s := config.NewSet(e.name, c.usage())
	c.bind(s)
	return c, s
}

// fileKeys lists every command's settings, so that a shared config file can
// hold another command's keys and a typo is still an error.
func fileKeys() config.Keys {
	var sets []*config.Set
	for _, e := range commands {
		if e.newCmd != nil {
			_, s := newSet(e)
			sets = append(sets, s)
		}
	}
	return config.KeysOf(sets...)
}

// parse builds e's command from args and the environment; it returns nil
// and no error when help was asked for.
func parse(e entry, args []string, env Env) (command, error) {
	c, s := newSet(e)
	pos, err := s.Parse(args, env.Getenv, env.Stdout, fileKeys())
	if errors.Is(err, config.ErrHelp) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUsage, err)
	}
	if err := c.args(pos); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUsage, err)
	}
	if err := c.validate(); err != nil {
		return nil, fmt.Errorf("%w: invalid settings:\n%w", ErrUsage, indent(err))
	}
	return c, nil
}

// noArgs is args for commands that take none.
func noArgs(name string, pos []string) error {
	if len(pos) > 0 {
		return fmt.Errorf("%s takes no arguments, got %q", name, pos)
	}
	return nil
}

// joinErrs joins a command's problems into one error, nil when there are
// none.
func joinErrs(errs []error) error { return errors.Join(errs...) }
