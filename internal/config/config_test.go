package config

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func writeFile(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "tailcast.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPrecedence(t *testing.T) {
	file := writeFile(t, "topic: from-file\nlinger: 7ms\nbrokers: [file:1]\nrate: 3\n")
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		topic   string
		brokers []string
		linger  time.Duration
	}{
		{"default", nil, nil, "logs", nil, 2 * time.Millisecond},
		{"file", []string{"--config", file}, nil, "from-file", []string{"file:1"}, 7 * time.Millisecond},
		{"env over file", []string{"--config=" + file}, map[string]string{"TAILCAST_TOPIC": "from-env", "TAILCAST_BROKERS": "e:1,e:2"}, "from-env", []string{"e:1", "e:2"}, 7 * time.Millisecond},
		{"flag over env", []string{"--config", file, "--topic", "from-flag", "--brokers", "f:1"}, map[string]string{"TAILCAST_TOPIC": "from-env", "TAILCAST_BROKERS": "e:1"}, "from-flag", []string{"f:1"}, 7 * time.Millisecond},
		{"config from env", nil, map[string]string{"TAILCAST_CONFIG": file}, "from-file", []string{"file:1"}, 7 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, _, err := Load("collect", "", tt.args, envOf(tt.env), io.Discard)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if cfg.Topic != tt.topic {
				t.Errorf("topic: got %q, want %q", cfg.Topic, tt.topic)
			}
			if !reflect.DeepEqual(cfg.Brokers, tt.brokers) {
				t.Errorf("brokers: got %q, want %q", cfg.Brokers, tt.brokers)
			}
			if cfg.Linger != tt.linger {
				t.Errorf("linger: got %v, want %v", cfg.Linger, tt.linger)
			}
		})
	}
}

func TestInterspersedPositionals(t *testing.T) {
	_, pos, err := Load("run", "", []string{"a.log", "--listen", "127.0.0.1:0", "b/*.log", "--", "--weird.log"}, envOf(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"a.log", "b/*.log", "--weird.log"}
	if !reflect.DeepEqual(pos, want) {
		t.Errorf("got %q, want %q", pos, want)
	}
}

func TestBadInputsAreClear(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		file string
		want []string
	}{
		{"unknown flag", []string{"--nope"}, nil, "", []string{"flag provided but not defined: -nope"}},
		{"bad duration", []string{"--linger", "soon"}, nil, "", []string{"want a duration"}},
		{"bad env", nil, map[string]string{"TAILCAST_MAX_LINE_BYTES": "huge"}, "", []string{"TAILCAST_MAX_LINE_BYTES", "whole number"}},
		{"unknown file key", nil, nil, "topik: x\n", []string{"unknown key \"topik\""}},
		{"bad yaml", nil, nil, "topic: [\n", []string{"parse config"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := tt.args
			if tt.file != "" {
				args = append(args, "--config", writeFile(t, tt.file))
			}
			_, _, err := Load("collect", "", args, envOf(tt.env), io.Discard)
			if err == nil {
				t.Fatal("got nil error, want one")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestValidateListsEveryProblem(t *testing.T) {
	cfg := Default()
	cfg.LogLevel = "loud"
	cfg.Compression = "rar"
	cfg.Brokers = []string{"nohostport"}
	cfg.MaxLineBytes = 10
	err := cfg.Validate("collect")
	if err == nil {
		t.Fatal("got nil, want errors")
	}
	for _, w := range []string{"log-level", "compression", "nohostport", "max-line-bytes", "no paths to tail"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error does not mention %q:\n%v", w, err)
		}
	}
}

func TestSizesAndInputsFromFile(t *testing.T) {
	file := writeFile(t, `
max-buffered-bytes: 32MiB
inputs:
  - path: /var/log/app/**/*.log
    service: app
    labels: {team: core}
    multiline: '^\d{4}-'
`)
	cfg, _, err := Load("collect", "", []string{"--config", file, "--brokers", "k:9092"}, envOf(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := cfg.MaxBufferedBytes, int64(32<<20); got != want {
		t.Errorf("max-buffered-bytes: got %d, want %d", got, want)
	}
	if len(cfg.Inputs) != 1 || cfg.Inputs[0].Service != "app" || cfg.Inputs[0].Labels["team"] != "core" {
		t.Fatalf("inputs: got %+v", cfg.Inputs)
	}
	if err := cfg.Validate("collect"); err != nil {
		t.Errorf("Validate: %v", err)
	}
}

func TestHelp(t *testing.T) {
	var out strings.Builder
	_, _, err := Load("serve", "Usage: tailcast serve", []string{"--help"}, envOf(nil), &out)
	if !errors.Is(err, ErrHelp) {
		t.Fatalf("got %v, want ErrHelp", err)
	}
	if n := strings.Count(out.String(), "Usage:"); n != 1 {
		t.Errorf("usage printed %d times, want once", n)
	}
	for _, w := range []string{"Usage: tailcast serve", "--listen", "(default 127.0.0.1:8080)", "TAILCAST_<FLAG>"} {
		if !strings.Contains(out.String(), w) {
			t.Errorf("usage does not contain %q:\n%s", w, out.String())
		}
	}
}

func TestCheck(t *testing.T) {
	good := writeFile(t, "brokers: [k:9092]\ninputs:\n  - path: /var/log/*.log\n")
	if err := Check(good); err != nil {
		t.Errorf("Check(good): %v", err)
	}
	bad := writeFile(t, "inputs:\n  - service: x\ncompression: rar\n")
	err := Check(bad)
	if err == nil {
		t.Fatal("Check(bad): got nil, want errors")
	}
	for _, w := range []string{"brokers", "path is required", "compression"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("Check error does not mention %q:\n%v", w, err)
		}
	}
}
