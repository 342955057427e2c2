package reliability

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// kcatArgs read the whole topic; each record is printed as its length on a
// line, then exactly that many bytes, so binary (protobuf) values parse
// exactly.
func kcatArgs(addr, topic string, toEnd bool) []string {
	a := []string{"-C", "-b", addr, "-t", topic, "-o", "beginning", "-q", "-u", "-f", `%S\n%s`}
	if toEnd {
		a = append(a, "-e")
	}
	return a
}

func kcatPath(t testing.TB) string {
	t.Helper()
	p, err := exec.LookPath("kcat")
	if err != nil {
		t.Fatalf("kcat (the independent consumer) is missing: run scripts/test-deps or apt-get install kcat")
	}
	return p
}

// parseKcat feeds every record of kcat's output to fn.
func parseKcat(r io.Reader, fn func(value []byte)) error {
	br := bufio.NewReaderSize(r, 1<<20)
	var buf []byte
	for {
		line, err := br.ReadString('\n')
		if err == io.EOF && line == "" {
			return nil
		}
		if err != nil {
			return fmt.Errorf("kcat output: %w", err)
		}
		n, err := strconv.Atoi(strings.TrimSpace(line))
		if err != nil {
			return fmt.Errorf("kcat output: bad length line %q", line)
		}
		if n < 0 { // null value
			fn(nil)
			continue
		}
		if cap(buf) < n {
			buf = make([]byte, n)
		}
		buf = buf[:n]
		if _, err := io.ReadFull(br, buf); err != nil {
			return fmt.Errorf("kcat output: %w", err)
		}
		fn(buf)
	}
}

// kcatCount reads the whole topic once with kcat and tallies the seqs.
func kcatCount(t testing.TB, addr, topic string) *tally {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, kcatPath(t), kcatArgs(addr, topic, true)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start kcat: %v", err)
	}
	c := newTally()
	perr := parseKcat(out, func(v []byte) { c.add(seqOf(v)) })
	if err := cmd.Wait(); err != nil {
		t.Fatalf("kcat: %v: %s", err, stderr.String())
	}
	if perr != nil {
		t.Fatal(perr)
	}
	return c
}

// kcatStream follows the topic with kcat until the test ends, tallying as
// records arrive; the final count is kcatCount's.
func kcatStream(t testing.TB, addr, topic string) *tally {
	t.Helper()
	cmd := exec.Command(kcatPath(t), kcatArgs(addr, topic, false)...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start kcat: %v", err)
	}
	c := newTally()
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = parseKcat(out, func(v []byte) { c.add(seqOf(v)) })
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-done
		_ = cmd.Wait()
	})
	return c
}
