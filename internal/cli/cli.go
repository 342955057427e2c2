package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// Version is set at build time (-ldflags -X).
var Version = "dev"

// ErrUsage marks errors in how the command was called; main exits 2 for them.
var ErrUsage = errors.New("usage")

// entry is one subcommand. Most are a command with their own flag set
// (newCmd); one that parses its own arguments gives main instead.
type entry struct {
	name string
	line string // its line in `tailcast --help`
	// newCmd returns a fresh command with its settings at their defaults.
	newCmd func() command
	// main runs a command that parses its own arguments.
	main func(ctx context.Context, args []string, env Env) error
}

// commands is every subcommand, in the order `tailcast --help` lists them.
// Adding one is one line here.
var commands []entry

func init() {
	commands = []entry{
		{name: "run", line: "everything on one machine: embedded Kafka, collector, server, viewer", newCmd: newRunCommand},
		{name: "collect", line: "tail log files and produce them to Kafka", newCmd: newCollectCommand},
		{name: "serve", line: "consume from Kafka and serve the viewer and websocket", newCmd: newServeCommand},
		{name: "tail", line: "follow a server from the terminal", newCmd: newTailCommand},
		{name: "patterns", line: "mine the templates of log files: tailcast patterns [--lines] [FILE...]", main: runPatterns},
		{name: "demo", line: "write realistic demo logs", newCmd: newDemoCommand},
		{name: "config", line: "check a config file: tailcast config check [--command C] FILE", main: runConfig},
		{name: "version", line: "print the version", main: runVersion},
	}
}

func topUsage() string {
	var b strings.Builder
	b.WriteString("tailcast carries log lines from files to your browser in milliseconds.\n\nUsage:\n  tailcast <command> [flags] [arguments]\n\nCommands:\n")
	for _, e := range commands {
		fmt.Fprintf(&b, "  %-9s %s\n", e.name, e.line)
	}
	b.WriteString(`
Run 'tailcast <command> --help' for a command's flags. Each flag can also be
set as TAILCAST_<FLAG> in the environment, or in a YAML file given by --config.
`)
	return b.String()
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
		fmt.Fprint(env.Stderr, topUsage())
		return fmt.Errorf("%w: no command given", ErrUsage)
	}
	name, rest := args[0], args[1:]
	switch name {
	case "-h", "--help", "help":
		fmt.Fprint(env.Stdout, topUsage())
		return nil
	case "--version":
		name = "version"
	}
	for _, e := range commands {
		if e.name != name {
			continue
		}
		if e.main != nil {
			return e.main(ctx, rest, env)
		}
		c, err := parse(e, rest, env)
		if err != nil || c == nil {
			return err
		}
		return c.run(ctx, env)
	}
	fmt.Fprint(env.Stderr, topUsage())
	return fmt.Errorf("%w: unknown command %q", ErrUsage, name)
}

func runVersion(_ context.Context, _ []string, env Env) error {
	fmt.Fprintf(env.Stdout, "tailcast %s\n", Version)
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
