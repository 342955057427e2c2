package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/nxadm/tail"

	"github.com/tailcast/tailcast/bench/internal/selfcpu"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "tailcompare:", err)
		os.Exit(1)
	}
}

func run() error {
	impl := flag.String("impl", "", "nxadm or chunks (required)")
	input := flag.String("input", "", "file to read (required)")
	timeout := flag.Duration("timeout", 2*time.Minute, "give up after this long")
	flag.Parse()
	if *input == "" || flag.NArg() > 0 {
		return errors.New("usage: tailcompare -impl nxadm|chunks -input FILE")
	}
	data, err := os.ReadFile(*input)
	if err != nil {
		return err
	}
	want, size := int64(bytes.Count(data, []byte{'\n'})), int64(len(data))
	data = nil
	if want == 0 || size == 0 {
		return errors.New("input has no complete line")
	}

	cpu0 := selfcpu.Used().Seconds()
	start := time.Now()
	var lines, last, sum int64
	switch *impl {
	case "nxadm":
		lines, last, sum, err = readNxadm(*input, want, *timeout)
	case "chunks":
		lines, last, sum, err = readChunks(*input)
	default:
		return fmt.Errorf("-impl %q: want nxadm or chunks", *impl)
	}
	el := time.Since(start).Seconds()
	cpu := selfcpu.Used().Seconds() - cpu0
	if err != nil {
		return err
	}
	if lines != want || last != size {
		return fmt.Errorf("%s: got %d lines ending at %d, want %d ending at %d", *impl, lines, last, want, size)
	}
	fmt.Printf("impl=%s lines=%d bytes=%d elapsed_s=%.3f lines_per_s=%.0f cpu_s=%.3f cpu_us_per_line=%.2f checksum=%d\n",
		*impl, lines, size, el, float64(lines)/el, cpu, cpu/float64(lines)*1e6, sum)
	return nil
}

// readNxadm follows path from its start until want lines came.
func readNxadm(path string, want int64, timeout time.Duration) (lines, last, sum int64, err error) {
	t, err := tail.TailFile(path, tail.Config{
		Follow: true, CompleteLines: true, MustExist: true,
		Location: &tail.SeekInfo{Offset: 0, Whence: io.SeekStart},
		Logger:   tail.DiscardingLogger,
	})
	if err != nil {
		return 0, 0, 0, err
	}
	defer t.Cleanup()
	defer t.Stop()
	deadline := time.After(timeout)
	for lines < want {
		select {
		case l, ok := <-t.Lines:
			if !ok {
				return lines, last, sum, fmt.Errorf("nxadm: lines closed: %v", t.Err())
			}
			if l.Err != nil {
				return lines, last, sum, fmt.Errorf("nxadm: %w", l.Err)
			}
			lines++
			sum += int64(len(l.Text))
			last = l.SeekInfo.Offset
		case <-deadline:
			return lines, last, sum, errors.New("nxadm: timed out")
		}
	}
	return lines, last, sum, nil
}

// readChunks is collector/tailer.go's technique: pread big chunks from a
// held descriptor, split lines in place, carry a partial last line.
func readChunks(path string) (lines, last, sum int64, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, 0, err
	}
	defer f.Close()
	buf := make([]byte, 128<<10)
	var carry []byte
	var off int64
	for {
		n, rerr := f.ReadAt(buf, off)
		data, base := buf[:n], off
		off += int64(n)
		for len(data) > 0 {
			i := bytes.IndexByte(data, '\n')
			if i < 0 {
				carry = append(carry, data...)
				break
			}
			line := data[:i]
			if len(carry) > 0 {
				carry = append(carry, line...)
				line, carry = carry, carry[:0]
			}
			end := base + int64(i) + 1
			lines++
			sum += int64(len(line))
			last = end
			data, base = data[i+1:], end
		}
		if errors.Is(rerr, io.EOF) {
			return lines, last, sum, nil
		}
		if rerr != nil {
			return lines, last, sum, rerr
		}
	}
}
