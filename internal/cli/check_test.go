package cli

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestConfigCheck(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	collect := write("collect.yaml", "brokers: [k:9092]\ninputs:\n  - path: /var/log/*.log\n")
	shared := write("shared.yaml", "brokers: [k:9092]\ncollect:\n  inputs:\n    - path: /var/log/*.log\nserve:\n  listen: 0.0.0.0:8080\n  linger: 5ms\n")
	bad := write("bad.yaml", "inputs:\n  - service: x\ncompression: rar\n")
	typo := write("typo.yaml", "brokers: [k:9092]\nlisten: 127.0.0.1:1\nringbytes: 3\n")
	tests := []struct {
		name  string
		args  []string
		env   map[string]string
		ok    bool
		wants []string
	}{
		{"collect file for collect", []string{"--command", "collect", collect}, nil, true, []string{"ok for collect"}},
		{"collect file for serve has no listen problem but notes inputs", []string{collect, "--command", "serve"}, nil, true, []string{"note:", "inputs is a setting of", "ok for serve"}},
		{"required setting missing", []string{"--command", "serve", bad}, nil, false, []string{"brokers: required for serve", "compression is a setting of"}},
		{"environment counts", []string{"--command", "serve", write("serve.yaml", "listen: 127.0.0.1:9\n")}, map[string]string{"TAILCAST_BROKERS": "k:1"}, true, []string{"ok for serve"}},
		{"bad values for the command", []string{"--command", "collect", bad}, nil, false, []string{"path is required", "compression \"rar\"", "brokers: required"}},
		{"key of another command in a section", []string{shared}, nil, false, []string{`shared.yaml:7: serve: unknown key "linger" (a setting of collect, run)`}},
		{"unknown key, once, without a command", []string{typo}, nil, false, []string{`typo.yaml:3: unknown key "ringbytes" (no command has this setting)`}},
		{"every key without a command", []string{collect}, nil, true, []string{"ok (every key and value"}},
		{"unknown command", []string{"--command", "frob", collect}, nil, false, []string{`--command "frob"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			err := Run(t.Context(), append([]string{"config", "check"}, tt.args...), Env{Stdout: &out, Stderr: &out, Getenv: func(k string) string { return tt.env[k] }})
			if tt.ok != (err == nil) {
				t.Fatalf("got error %v, want ok %v\n%s", err, tt.ok, out.String())
			}
			got := out.String()
			if err != nil {
				got += err.Error()
			}
			for _, w := range tt.wants {
				if !strings.Contains(got, w) {
					t.Errorf("output %q lacks %q", got, w)
				}
			}
			if n := strings.Count(got, "ringbytes"); n > 1 {
				t.Errorf("the unknown key is reported %d times, want once", n)
			}
		})
	}
	t.Run("usage", func(t *testing.T) {
		err := Run(t.Context(), []string{"config", "check", "a", "b"}, Env{Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}, Getenv: func(string) string { return "" }})
		if !errors.Is(err, ErrUsage) {
			t.Errorf("got %v, want a usage error", err)
		}
	})
}
