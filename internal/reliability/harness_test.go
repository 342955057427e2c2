package reliability

import (
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"
)

// The binaries under test are built once per test process, lazily, so that
// a fuzz run of this package does not pay for them.
var (
	buildOnce sync.Once
	buildDir  string
	buildErr  error
	bins      = map[string]string{} // name -> path
)

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// repoRoot walks up from the package directory to go.mod.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("go.mod not found above the test directory")
		}
		dir = parent
	}
}

// binary returns the path of the real tailcast binary (or of
// bench/cmd/kfakebroker with name "kfakebroker", internal/reliability/viewer
// with "viewer"). They are built without -race, whatever the test process. TAILCAST_BIN points at a
// prebuilt tailcast (make test-reliability builds bin/tailcast first).
func binary(t testing.TB, name string) string {
	t.Helper()
	buildOnce.Do(func() {
		root, err := repoRoot()
		if err != nil {
			buildErr = err
			return
		}
		buildDir, err = os.MkdirTemp("", "tailcast-reliability-")
		if err != nil {
			buildErr = err
			return
		}
		goBin, err := exec.LookPath("go")
		if err != nil {
			buildErr = fmt.Errorf("find the go command: %w", err)
			return
		}
		pkgs := map[string]string{"kfakebroker": "./bench/cmd/kfakebroker", "viewer": "./internal/reliability/viewer"}
		if p := os.Getenv("TAILCAST_BIN"); p != "" {
			bins["tailcast"] = p
		} else {
			pkgs["tailcast"] = "./cmd/tailcast"
		}
		for n, pkg := range pkgs {
			out := filepath.Join(buildDir, n)
			cmd := exec.Command(goBin, "build", "-o", out, pkg)
			cmd.Dir = root
			cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
			if b, err := cmd.CombinedOutput(); err != nil {
				buildErr = fmt.Errorf("go build %s: %w\n%s", pkg, err, b)
				return
			}
			bins[n] = out
		}
	})
	if buildErr != nil {
		t.Fatalf("build binaries: %v", buildErr)
	}
	return bins[name]
}

// scale is TAILCAST_RELIABILITY_SCALE, default defaultScale (1 in CI, 10
// under the reliability build tag).
func scale() float64 {
	if s := os.Getenv("TAILCAST_RELIABILITY_SCALE"); s != "" {
		if f, err := strconv.ParseFloat(s, 64); err == nil && f > 0 {
			return f
		}
	}
	return defaultScale
}

// scaled is ci at scale 1 and soak at scale 10, linear in between (and
// beyond), never below ci.
func scaled(ci, soak int) int {
	v := float64(ci) + (scale()-1)*float64(soak-ci)/9
	return max(ci, int(math.Round(v)))
}

// soak reports whether the long versions run.
func soak() bool { return scale() >= 10 }

// percentile of sorted durations (p in 0..100).
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p/100*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}
