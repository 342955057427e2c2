package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
)

const checkUsage = `Usage: tailcast config check [--command C] FILE

Checks a config file without running anything. With --command, it checks the
settings command C would run with, from this file and the TAILCAST_*
environment, as when started with no flags: every unknown key, bad value and
missing required setting. Without it, it checks every key and value of the
file for every command.`

// runConfig is `tailcast config check [--command C] FILE`.
func runConfig(_ context.Context, args []string, env Env) error {
	if len(args) == 0 || args[0] != "check" {
		fmt.Fprintln(env.Stderr, checkUsage)
		return fmt.Errorf("%w: config takes 'check [--command C] FILE'", ErrUsage)
	}
	fs := flag.NewFlagSet("tailcast config check", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	cmd := fs.String("command", "", "")
	var files []string
	rest := args[1:]
	for {
		if err := fs.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fmt.Fprintln(env.Stdout, checkUsage)
				return nil
			}
			return fmt.Errorf("%w: config check: %w", ErrUsage, err)
		}
		if fs.NArg() == 0 {
			break
		}
		files, rest = append(files, fs.Arg(0)), fs.Args()[1:]
	}
	if len(files) != 1 {
		fmt.Fprintln(env.Stderr, checkUsage)
		return fmt.Errorf("%w: config check takes one FILE, got %d", ErrUsage, len(files))
	}
	file := files[0]
	var names []string
	for _, e := range commands {
		if e.newCmd != nil {
			names = append(names, e.name)
		}
	}
	if *cmd != "" && !slices.Contains(names, *cmd) {
		return fmt.Errorf("%w: config check --command %q: want one of %s", ErrUsage, *cmd, strings.Join(names, ", "))
	}
	keys := fileKeys()
	var errs []error
	seen := map[string]bool{}
	for _, e := range commands {
		if e.newCmd == nil || (*cmd != "" && e.name != *cmd) {
			continue
		}
		c, s := newSet(e)
		if *cmd == "" {
			// Every command: keys and values only. The same unknown key
			// shows once, not once per command.
			_, err := s.ReadFile(file, keys)
			for _, err := range unjoin(err) {
				if !seen[err.Error()] {
					seen[err.Error()] = true
					errs = append(errs, err)
				}
			}
			continue
		}
		notes, err := s.ReadFile(file, keys)
		if err != nil {
			return fmt.Errorf("%s:\n%w", file, indent(err))
		}
		for _, n := range notes {
			fmt.Fprintf(env.Stdout, "note: %s\n", n)
		}
		if _, err := s.Parse([]string{"--config", file}, env.Getenv, io.Discard, keys); err != nil {
			return fmt.Errorf("%s:\n%w", file, indent(err))
		}
		if err := c.args(nil); err != nil {
			return fmt.Errorf("%s: %w", file, err)
		}
		if err := c.validate(); err != nil {
			return fmt.Errorf("%s as %s's settings:\n%w", file, *cmd, indent(err))
		}
		fmt.Fprintf(env.Stdout, "%s: ok for %s\n", file, *cmd)
		return nil
	}
	if len(errs) > 0 {
		return fmt.Errorf("%s:\n%w", file, indent(errors.Join(errs...)))
	}
	fmt.Fprintf(env.Stdout, "%s: ok (every key and value; add --command C to check C's settings in full)\n", file)
	return nil
}

// unjoin splits an errors.Join result.
func unjoin(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}
