package collector

import (
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc64"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"syscall"

	"github.com/tailcast/tailcast/internal/jsonstr"
)

// fingerprintBytes is how many leading bytes of a file its checksum covers.
// A shorter file is fingerprinted over what it has; the length is kept with
// the checksum, so the identity of a growing small file stays comparable:
// on restart only the first fpLen bytes of the candidate are compared.
const fingerprintBytes = 1024

var crcTable = crc64.MakeTable(crc64.ECMA)

// fileKey is the device and inode of a file.
type fileKey struct{ Dev, Ino uint64 }

func keyOf(fi os.FileInfo) (fileKey, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return fileKey{}, false
	}
	return fileKey{Dev: uint64(st.Dev), Ino: uint64(st.Ino)}, true //nolint:unconvert // Dev is int32 on some platforms
}

// fingerprint reads the first min(size, fingerprintBytes) bytes of f and
// checksums them.
func fingerprint(f io.ReaderAt, size int64) (prefix []byte, sum uint64, err error) {
	n := min(size, fingerprintBytes)
	if n <= 0 {
		return nil, 0, nil
	}
	buf := make([]byte, n)
	m, err := f.ReadAt(buf, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, 0, err
	}
	return buf[:m], crc64.Checksum(buf[:m], crcTable), nil
}

// position is one file's checkpoint.
type position struct {
	// ID is the identity assigned when the file was first seen:
	// dev:inode:checksum of its first bytes then. It is the entries' FileId.
	ID   string `json:"id"`
	Path string `json:"path"`
	Dev  uint64 `json:"dev"`
	Ino  uint64 `json:"ino"`
	// FpLen and FpSum fingerprint the file's first FpLen bytes.
	FpLen int    `json:"fp_len"`
	FpSum uint64 `json:"fp_sum"`
	// Offset is where reading resumes: the End of the highest contiguous
	// acknowledged entry.
	Offset int64 `json:"offset"`
}

type positionsFile struct {
	Version int        `json:"version"`
	Files   []position `json:"files"`
}

// loadPositions reads the positions file. A missing file is no state.
func loadPositions(path string) (map[fileKey]position, bool, error) {
	out := map[fileKey]position{}
	if path == "" {
		return out, false, nil
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return out, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("read positions: %w", err)
	}
	var pf positionsFile
	if err := json.Unmarshal(b, &pf); err != nil {
		return nil, false, fmt.Errorf("parse positions %s: %w", path, err)
	}
	for _, p := range pf.Files {
		out[fileKey{p.Dev, p.Ino}] = p
	}
	return out, true, nil
}

// appendPositions encodes a positions file, one file per line, by hand:
// saved ten times a second for a thousand files, encoding/json's
// reflection and garbage were a tenth of the agent's CPU. loadPositions
// reads it back with encoding/json; positions_test.go checks the two agree.
func appendPositions(b []byte, ps []position) []byte {
	b = append(b, `{"version":1,"files":[`...)
	for i := range ps {
		p := &ps[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, "\n {\"id\":"...)
		b = jsonstr.Append(b, p.ID)
		b = append(b, `,"path":`...)
		b = jsonstr.Append(b, p.Path)
		b = append(b, `,"dev":`...)
		b = strconv.AppendUint(b, p.Dev, 10)
		b = append(b, `,"ino":`...)
		b = strconv.AppendUint(b, p.Ino, 10)
		b = append(b, `,"fp_len":`...)
		b = strconv.AppendInt(b, int64(p.FpLen), 10)
		b = append(b, `,"fp_sum":`...)
		b = strconv.AppendUint(b, p.FpSum, 10)
		b = append(b, `,"offset":`...)
		b = strconv.AppendInt(b, p.Offset, 10)
		b = append(b, '}')
	}
	return append(b, "\n]}\n"...)
}

// savePositions writes an encoded positions file atomically: temp file,
// fsync, rename.
func savePositions(path string, b []byte) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("write positions: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fmt.Errorf("write positions: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("sync positions: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write positions: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("rename positions: %w", err)
	}
	return nil
}
