package collector

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/tailcast/tailcast/internal/kafkatest"
	"github.com/tailcast/tailcast/internal/wait"
)

// linkSetup lays out a watched directory dir and a secret file outside it,
// and returns the pattern under test.
type linkSetup func(t *testing.T, dir, secretDir string) (pattern string)

func mustSymlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

func hasLine(recs []record, sub string) bool {
	for _, r := range recs {
		if strings.Contains(string(r.e.Raw), sub) {
			return true
		}
	}
	return false
}

// TestSymlinks plants links in watched paths. By default none is followed,
// each is logged and counted once however many scans see it, and the
// files beside them are still read; with FollowSymlinks the linked files
// are read as before. `**` never descends into a linked directory.
func TestSymlinks(t *testing.T) {
	tests := []struct {
		name        string
		setup       linkSetup
		wantSkipped int64 // links reported without FollowSymlinks
		wantFollow  bool  // the secret is read with FollowSymlinks
	}{
		{"glob matches a link to a file", func(t *testing.T, dir, secretDir string) string {
			mustSymlink(t, filepath.Join(secretDir, "secret.log"), filepath.Join(dir, "evil.log"))
			return filepath.Join(dir, "*.log")
		}, 1, true},
		{"literal path is a link", func(t *testing.T, dir, secretDir string) string {
			mustSymlink(t, filepath.Join(secretDir, "secret.log"), filepath.Join(dir, "app.log"))
			return filepath.Join(dir, "app.log")
		}, 1, true},
		{"relative link", func(t *testing.T, dir, secretDir string) string {
			rel, err := filepath.Rel(dir, filepath.Join(secretDir, "secret.log"))
			if err != nil {
				t.Fatal(err)
			}
			mustSymlink(t, rel, filepath.Join(dir, "evil.log"))
			return filepath.Join(dir, "*.log")
		}, 1, true},
		{"glob segment through a linked directory", func(t *testing.T, dir, secretDir string) string {
			mustSymlink(t, secretDir, filepath.Join(dir, "evil"))
			return filepath.Join(dir, "*", "secret.log")
		}, 1, true},
		{"link to a file under **", func(t *testing.T, dir, secretDir string) string {
			mustSymlink(t, filepath.Join(secretDir, "secret.log"), filepath.Join(dir, "sub", "evil.log"))
			return filepath.Join(dir, "**", "*.log")
		}, 1, true},
		{"linked directory under **", func(t *testing.T, dir, secretDir string) string {
			mustSymlink(t, secretDir, filepath.Join(dir, "sub", "evil"))
			return filepath.Join(dir, "**", "*.log")
		}, 0, false},
	}
	b := kafkatest.Start(t, "logs", 1)
	r := readTopic(t, b.Addr(), "logs")
	for _, tt := range tests {
		for _, follow := range []bool{false, true} {
			name := tt.name + map[bool]string{false: " (default)", true: " (FollowSymlinks)"}[follow]
			t.Run(name, func(t *testing.T) {
				dir, secretDir, legit := t.TempDir(), t.TempDir(), t.TempDir()
				secret := "SECRET " + name
				appendFile(t, filepath.Join(secretDir, "secret.log"), secret+"\n")
				pattern := tt.setup(t, dir, secretDir)
				marker := "marker " + name
				appendFile(t, filepath.Join(legit, "first.log"), marker+" first\n")

				core, logs := observer.New(zap.InfoLevel)
				cfg := testConfig(b.Addr(), Input{Pattern: pattern}, Input{Pattern: filepath.Join(legit, "*.log")})
				cfg.FromStart = true // the secret was there before the start: it would be read whole
				cfg.FollowSymlinks = follow
				cfg.Logger = zap.New(core)
				c := startCollector(t, cfg)

				r.wait(t, 10*time.Second, "first marker", func(recs []record) bool { return hasLine(recs, marker+" first") })
				// A file created now is found by a later scan, which sees the
				// links again.
				appendFile(t, filepath.Join(legit, "late.log"), marker+" late\n")
				r.wait(t, 10*time.Second, "late marker", func(recs []record) bool { return hasLine(recs, marker+" late") })

				wantSecret := follow && tt.wantFollow
				if wantSecret {
					r.wait(t, 10*time.Second, "secret followed", func(recs []record) bool { return hasLine(recs, secret) })
				} else if hasLine(r.snapshot(), secret) {
					t.Fatalf("got the secret %q shipped, want it not followed", secret)
				}
				wantSkipped := tt.wantSkipped
				if follow {
					wantSkipped = 0
				}
				if got := c.Stats().SymlinksSkipped; got != wantSkipped {
					t.Errorf("got %d symlinks skipped, want %d", got, wantSkipped)
				}
				if got := logs.FilterMessageSnippet("symbolic link not followed").Len(); int64(got) != wantSkipped {
					t.Errorf("got %d log lines about skipped links, want %d (once per link)", got, wantSkipped)
				}
				wantFiles := int64(2)
				if wantSecret {
					wantFiles = 3
				}
				if got := c.Stats().FilesWatched; got != wantFiles {
					t.Errorf("got %d files watched, want %d", got, wantFiles)
				}
			})
		}
	}
}

// TestFileReplacedByLink: a file being read is renamed away (rotation) and
// a link to another file takes its path. The old file is read to its end
// and released; the link is not followed unless FollowSymlinks is set.
func TestFileReplacedByLink(t *testing.T) {
	b := kafkatest.Start(t, "logs", 1)
	r := readTopic(t, b.Addr(), "logs")
	for _, follow := range []bool{false, true} {
		t.Run(map[bool]string{false: "default", true: "FollowSymlinks"}[follow], func(t *testing.T) {
			dir, secretDir := t.TempDir(), t.TempDir()
			path, secretPath := filepath.Join(dir, "app.log"), filepath.Join(secretDir, "secret")
			secret := "SECRET " + t.Name()
			appendFile(t, secretPath, secret+"\n")
			appendFile(t, path, "")
			cfg := testConfig(b.Addr(), Input{Pattern: filepath.Join(dir, "*.log")})
			cfg.FollowSymlinks = follow
			c := startWatching(t, cfg)
			appendFile(t, path, "before "+t.Name()+"\n")
			r.wait(t, 10*time.Second, "line before", func(recs []record) bool { return hasLine(recs, "before "+t.Name()) })

			if err := os.Rename(path, path+".1"); err != nil {
				t.Fatal(err)
			}
			appendFile(t, path+".1", "after rename "+t.Name()+"\n") // the writer still holds it
			mustSymlink(t, secretPath, path)
			r.wait(t, 10*time.Second, "line written after the rename", func(recs []record) bool {
				return hasLine(recs, "after rename "+t.Name())
			})
			if follow {
				r.wait(t, 10*time.Second, "secret followed", func(recs []record) bool { return hasLine(recs, secret) })
				return
			}
			wait.For(t, 10*time.Second, "link skipped", func() bool { return c.Stats().SymlinksSkipped == 1 })
			appendFile(t, filepath.Join(dir, "late.log"), "late "+t.Name()+"\n")
			r.wait(t, 10*time.Second, "late file", func(recs []record) bool { return hasLine(recs, "late "+t.Name()) })
			if hasLine(r.snapshot(), secret) {
				t.Fatalf("got the secret shipped through the link that replaced %s, want it not followed", path)
			}
			wait.For(t, 10*time.Second, "renamed file released", func() bool { return c.Stats().FilesWatched == 1 })
		})
	}
}

// TestOpenRefusesLinkRace: the path was a regular file when the scan
// stat'ed it and is a link when open runs. Here the link even leads to the
// same inode, so only O_NOFOLLOW can tell.
func TestOpenRefusesLinkRace(t *testing.T) {
	b := kafkatest.Start(t, "logs", 1)
	for _, follow := range []bool{false, true} {
		t.Run(map[bool]string{false: "default", true: "FollowSymlinks"}[follow], func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "app.log")
			appendFile(t, path, "line\n")
			var st syscall.Stat_t
			if err := syscall.Lstat(path, &st); err != nil {
				t.Fatal(err)
			}
			k := fileKey{Dev: uint64(st.Dev), Ino: uint64(st.Ino)} //nolint:unconvert // Dev is int32 on some platforms
			if err := os.Rename(path, path+".real"); err != nil {
				t.Fatal(err)
			}
			mustSymlink(t, path+".real", path)

			cfg := testConfig(b.Addr(), Input{Pattern: filepath.Join(dir, "*.none")})
			cfg.FollowSymlinks = follow
			c := startCollector(t, cfg)
			in := c.inputs[0]
			c.mu.Lock()
			err := c.open(k, match{path: path, in: in}, false)
			_, opened := c.files[k]
			c.mu.Unlock()
			if err != nil {
				t.Fatalf("open: %v", err)
			}
			if opened != follow {
				t.Fatalf("got opened %v through a link, want %v", opened, follow)
			}
		})
	}
}
