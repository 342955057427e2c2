// Package cli is the tailcast command: it parses a subcommand's settings,
// builds the components, runs them and shuts them down in order. Run is the
// whole program behind main, so tests drive the real command in-process.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/tailcast/tailcast/internal/config"
)

// Version is set at build time (-ldflags -X).
var Version = "dev"

// ErrUsage marks errors in how the command was called; main exits 2 for them.
var ErrUsage = errors.New("usage")

const topUsage = `tailcast carries log lines from files to your browser in milliseconds.

Usage:
  tailcast <command> [flags] [arguments]

Commands:
  run       everything on one machine: embedded Kafka, collector, server, viewer
  collect   tail log files and produce them to Kafka
  serve     consume from Kafka and serve the viewer and websocket
  tail      follow a server from the terminal
  patterns  mine the templates of log files: tailcast patterns [--lines] [FILE...]
  demo      write realistic demo logs
  config    check a config file: tailcast config check FILE
  version   print the version

Run 'tailcast <command> --help' for a command's flags. Every flag can also be
set as TAILCAST_<FLAG> in the environment or in a YAML file given by --config.
`

var summaries = map[string]string{
	"run":     "Usage: tailcast run [flags] PATH|GLOB...\n\nRuns an embedded Kafka-compatible broker (or uses --brokers), the collector on\nthe given files, the consumer, the websocket server and the viewer.",
	"collect": "Usage: tailcast collect --brokers HOST:PORT[,...] [flags] PATH|GLOB...\n\nTails the given files and produces each line to Kafka, at least once.",
	"serve":   "Usage: tailcast serve --brokers HOST:PORT[,...] [flags]\n\nConsumes the topic and streams it to viewers over websocket.",
	"tail":    "Usage: tailcast tail URL [flags]\n\nFollows a tailcast server from the terminal, reconnecting and resuming.",
	"demo":    "Usage: tailcast demo --dir DIR [--rate N]\n\nWrites realistic logs of several services to DIR until stopped.",
}

// Env reads the environment; tests replace it.
type Env struct {
	Stdin          io.Reader // nil: os.Stdin
	Stdout, Stderr io.Writer
	Getenv         func(string) string
	// Ready, when set, is called with the viewer's URL once a server is
	// listening (run, serve). Tests use it instead of scraping output.
	Ready func(url string)
}

// Run runs the tailcast command line args (without the program name) until
// ctx is cancelled or the command ends.
func Run(ctx context.Context, args []string, env Env) error {
	if env.Stdout == nil {
		env.Stdout = os.Stdout
	}
	if env.Stderr == nil {
		env.Stderr = os.Stderr
	}
	if env.Getenv == nil {
		env.Getenv = os.Getenv
	}
	if len(args) == 0 {
		fmt.Fprint(env.Stderr, topUsage)
		return fmt.Errorf("%w: no command given", ErrUsage)
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "-h", "--help", "help":
		fmt.Fprint(env.Stdout, topUsage)
		return nil
	case "version", "--version":
		fmt.Fprintf(env.Stdout, "tailcast %s\n", Version)
		return nil
	case "config":
		return runConfig(rest, env)
	case "patterns":
		return runPatterns(ctx, rest, env)
	case "run", "collect", "serve", "tail", "demo":
	default:
		fmt.Fprint(env.Stderr, topUsage)
		return fmt.Errorf("%w: unknown command %q", ErrUsage, cmd)
	}

	cfg, pos, err := config.Load(cmd, summaries[cmd], rest, env.Getenv, env.Stdout)
	if errors.Is(err, config.ErrHelp) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("%w: %w", ErrUsage, err)
	}
	switch cmd {
	case "run", "collect":
		for _, p := range pos {
			cfg.Inputs = append(cfg.Inputs, config.Input{Path: p, Service: cfg.Service, Multiline: cfg.Multiline})
		}
	case "tail":
		if len(pos) > 1 {
			return fmt.Errorf("%w: tail takes one URL, got %q", ErrUsage, pos)
		}
		if len(pos) == 1 {
			cfg.URL = pos[0]
		}
	default:
		if len(pos) > 0 {
			return fmt.Errorf("%w: %s takes no arguments, got %q", ErrUsage, cmd, pos)
		}
	}
	if err := cfg.Validate(cmd); err != nil {
		return fmt.Errorf("%w: invalid settings:\n%w", ErrUsage, indent(err))
	}

	switch cmd {
	case "run":
		return runAll(ctx, cfg, env)
	case "collect":
		return runCollect(ctx, cfg, env)
	case "serve":
		return runServe(ctx, cfg, env)
	case "tail":
		return runTail(ctx, cfg, env)
	default:
		return runDemo(ctx, cfg, env)
	}
}

func runConfig(args []string, env Env) error {
	if len(args) != 2 || args[0] != "check" {
		fmt.Fprintln(env.Stderr, "Usage: tailcast config check FILE")
		return fmt.Errorf("%w: config takes 'check FILE'", ErrUsage)
	}
	if err := config.Check(args[1]); err != nil {
		return fmt.Errorf("%s:\n%w", args[1], indent(err))
	}
	fmt.Fprintf(env.Stdout, "%s: ok\n", args[1])
	return nil
}

// indent lists joined errors one per line.
func indent(err error) error {
	lines := strings.Split(err.Error(), "\n")
	for i, l := range lines {
		lines[i] = "  - " + l
	}
	return errors.New(strings.Join(lines, "\n"))
}
