package cli

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/tailcast/tailcast/internal/parse"
	"github.com/tailcast/tailcast/internal/patterns"
	"github.com/tailcast/tailcast/proto/logpb"
)

const patternsUsage = `Usage: tailcast patterns [flags] [FILE...]

Mines the templates of the log lines in FILEs (standard input when none is
given) and prints them with their counts, most frequent first: count, a tab,
the pattern id, a tab, the template. Each line is parsed as the server
parses it, so the template is mined from the message, not the timestamp.

With --lines it prints instead one line per input line, in order: the id of
the line's pattern once the whole input is mined, a tab, the line.

Flags:
`

// runPatterns is `tailcast patterns`.
func runPatterns(ctx context.Context, args []string, env Env) error {
	fs := flag.NewFlagSet("patterns", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	lines := fs.Bool("lines", false, "print each input line after its pattern id instead of the templates")
	maxPatterns := fs.Int("max-patterns", 0, "patterns kept before the least recently seen is evicted (0: the miner's default, 1000)")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), patternsUsage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return fmt.Errorf("%w: %w", ErrUsage, err)
	}
	if *maxPatterns < 0 {
		return fmt.Errorf("%w: --max-patterns %d: want 0 or more", ErrUsage, *maxPatterns)
	}

	m := patterns.New(patterns.Config{MaxPatterns: *maxPatterns})
	var kept keptLines
	var e logpb.LogEntry
	mine := func(line []byte) {
		parse.IntoNoCopy(&e, line)
		p := m.Add(e.Message)
		if *lines {
			kept.add(line, p)
		}
	}
	if fs.NArg() == 0 {
		if err := eachLine(ctx, env.stdin(), mine); err != nil {
			return fmt.Errorf("patterns: standard input: %w", err)
		}
	}
	for _, name := range fs.Args() {
		if err := mineFile(ctx, name, mine); err != nil {
			return err
		}
	}

	w := bufio.NewWriterSize(env.Stdout, 64<<10)
	if *lines {
		kept.write(w)
	} else {
		for _, p := range m.Patterns() {
			fmt.Fprintf(w, "%d\t%s\t%s\n", p.Count(), p.ID(), p.Template())
		}
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("patterns: write: %w", err)
	}
	st := m.Stats()
	if st.Evicted > 0 {
		fmt.Fprintf(env.Stderr, "patterns: %d lines, %d patterns, %d evicted (raise --max-patterns to keep more)\n", st.Lines, st.Patterns, st.Evicted)
	}
	return nil
}

func mineFile(ctx context.Context, name string, fn func([]byte)) error {
	f, err := os.Open(name)
	if err != nil {
		return fmt.Errorf("patterns: %w", err)
	}
	defer f.Close()
	if err := eachLine(ctx, f, fn); err != nil {
		return fmt.Errorf("patterns: %s: %w", name, err)
	}
	return nil
}

// eachLine calls fn with every line of r, without its line terminator.
// The slice is valid only during the call. Lines of any length are read
// whole: the miner itself bounds what it looks at.
func eachLine(ctx context.Context, r io.Reader, fn func([]byte)) error {
	br := bufio.NewReaderSize(r, 256<<10)
	var long []byte
	for n := 0; ; n++ {
		if n&0xfff == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		b, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			long = append(long, b...)
			n--
			continue
		}
		if long != nil {
			b = append(long, b...)
			long = nil
		}
		if len(b) > 0 {
			if b[len(b)-1] == '\n' {
				b = b[:len(b)-1]
			}
			if len(b) > 0 && b[len(b)-1] == '\r' {
				b = b[:len(b)-1]
			}
			if err == nil || len(b) > 0 {
				fn(b)
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// keptLines holds the input for --lines until every line's final pattern
// is known: the lines in one growing arena, so a million lines cost a few
// allocations rather than a million.
type keptLines struct {
	arena []byte
	ends  []int
	pats  []*patterns.Pattern
}

func (k *keptLines) add(line []byte, p *patterns.Pattern) {
	k.arena = append(k.arena, line...)
	k.ends = append(k.ends, len(k.arena))
	k.pats = append(k.pats, p)
}

// write prints each line after the id its pattern has now, at the end:
// a template that generalised while the input was mined gives all its
// lines the same, final id.
func (k *keptLines) write(w *bufio.Writer) {
	start := 0
	for i, end := range k.ends {
		w.WriteString(k.pats[i].ID())
		w.WriteByte('\t')
		w.Write(k.arena[start:end])
		w.WriteByte('\n')
		start = end
	}
}

func (env Env) stdin() io.Reader {
	if env.Stdin == nil {
		return os.Stdin
	}
	return env.Stdin
}
