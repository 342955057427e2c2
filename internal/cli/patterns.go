package cli

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	logparse "github.com/tailcast/tailcast/internal/parse"
	"github.com/tailcast/tailcast/internal/patterns"
	"github.com/tailcast/tailcast/proto/logpb"
)

const patternsUsage = `Usage: tailcast patterns [flags] [FILE...]

Mines the templates of the log lines in FILEs (standard input when none is
given) and prints them with their counts, most frequent first: count, a tab,
the pattern id, a tab, the template. Each line is parsed as the server
parses it, so the template is mined from the message, not the timestamp.

With --lines it prints instead one line per input line, in order: the id of
the line's pattern once the whole input is mined, a tab, the line. Every
line is its own entry (no multiline joining). The ids are known only at the
end, so files are read twice and standard input is held in memory.

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
	var e logpb.LogEntry
	var pats []*patterns.Pattern // each line's, for --lines
	var kept keptLines           // standard input's lines, for --lines
	mine := func(line []byte) {
		logparse.IntoNoCopy(&e, line)
		p := m.Add(e.Message)
		if *lines {
			pats = append(pats, p)
		}
	}
	counts := make([]int, fs.NArg()) // lines per file, for the second pass
	if fs.NArg() == 0 {
		err := eachLine(ctx, env.stdin(), func(line []byte) {
			mine(line)
			if *lines {
				kept.add(line)
			}
		})
		if err != nil {
			return fmt.Errorf("patterns: standard input: %w", err)
		}
	}
	for i, name := range fs.Args() {
		err := eachFileLine(ctx, name, -1, func(line []byte) {
			mine(line)
			counts[i]++
		})
		if err != nil {
			return err
		}
	}

	w := bufio.NewWriterSize(env.Stdout, 64<<10)
	if *lines {
		// Ids are final only now: print each line after its pattern's id
		// as it stands at the end, so that a template that generalised
		// while the input was mined gives all its lines one id. Files are
		// read again rather than held in memory; standard input was kept.
		n := 0
		write := func(line []byte) {
			w.WriteString(pats[n].ID())
			w.WriteByte('\t')
			w.Write(line)
			w.WriteByte('\n')
			n++
		}
		kept.each(write)
		for i, name := range fs.Args() {
			if err := eachFileLine(ctx, name, counts[i], write); err != nil {
				return err
			}
			if n != sum(counts[:i+1]) {
				return fmt.Errorf("patterns: %s: shorter on the second read (changed while mined?)", name)
			}
		}
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

// eachFileLine calls fn with the first max lines of file name (all when
// max < 0).
func eachFileLine(ctx context.Context, name string, max int, fn func([]byte)) error {
	f, err := os.Open(name)
	if err != nil {
		return fmt.Errorf("patterns: %w", err)
	}
	defer f.Close()
	n := 0
	err = eachLine(ctx, f, func(line []byte) {
		if max < 0 || n < max {
			fn(line)
		}
		n++
	})
	if err != nil {
		return fmt.Errorf("patterns: %s: %w", name, err)
	}
	return nil
}

func sum(xs []int) int {
	n := 0
	for _, x := range xs {
		n += x
	}
	return n
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

// keptLines holds standard input for --lines until every line's final
// pattern is known: the lines in one growing arena, so a million lines
// cost a few allocations rather than a million.
type keptLines struct {
	arena []byte
	ends  []int
}

func (k *keptLines) add(line []byte) {
	k.arena = append(k.arena, line...)
	k.ends = append(k.ends, len(k.arena))
}

func (k *keptLines) each(fn func([]byte)) {
	start := 0
	for _, end := range k.ends {
		fn(k.arena[start:end])
		start = end
	}
}

func (env Env) stdin() io.Reader {
	if env.Stdin == nil {
		return os.Stdin
	}
	return env.Stdin
}
