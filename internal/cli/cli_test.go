package cli

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
)

func TestCommandLineErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{nil, "no command"},
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"collect", "a.log"}, "brokers: required"},
		{[]string{"serve", "--brokers", "x"}, `"x" is not host:port`},
		{[]string{"run"}, "no paths to tail"},
		{[]string{"run", "--listen", "nope", "a.log"}, "listen"},
		{[]string{"tail"}, "server URL is required"},
		{[]string{"tail", "-o", "xml", "http://x"}, `output "xml"`},
		{[]string{"demo"}, "dir: required"},
		{[]string{"config", "check"}, "config check takes one FILE"},
		{[]string{"tail", "--host", "h", "http://x"}, "flag provided but not defined: -host"},
		{[]string{"tail", "--ca", "x.pem", "--insecure", "http://x"}, "ca and insecure"},
		{[]string{"collect", "--brokers", "k:1", "--backfill", "3", "a.log"}, "flag provided but not defined: -backfill"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var out bytes.Buffer
			err := Run(context.Background(), tt.args, Env{Stdout: &out, Stderr: &out, Getenv: func(string) string { return "" }})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error containing %q", err, tt.want)
			}
			if !errors.Is(err, ErrUsage) {
				t.Errorf("got %v, want a usage error", err)
			}
		})
	}

	t.Run("unreachable brokers", func(t *testing.T) {
		var out bytes.Buffer
		ctx, cancel := context.WithTimeout(context.Background(), waitFor)
		defer cancel()
		err := Run(ctx, []string{"serve", "--brokers", "127.0.0.1:1", "--listen", "127.0.0.1:0", "--kafka-dial-timeout", "300ms"},
			Env{Stdout: &out, Stderr: &out, Getenv: func(string) string { return "" }})
		if err == nil || !strings.Contains(err.Error(), "127.0.0.1:1") {
			t.Errorf("got %v, want an error naming the broker", err)
		}
	})
}

func TestVersionAndHelp(t *testing.T) {
	var out bytes.Buffer
	if err := Run(context.Background(), []string{"version"}, Env{Stdout: &out}); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "tailcast ") {
		t.Errorf("version: got %q", out.String())
	}
	for _, cmd := range []string{"run", "collect", "serve", "tail", "demo"} {
		out.Reset()
		if err := Run(context.Background(), []string{cmd, "--help"}, Env{Stdout: &out, Getenv: func(string) string { return "" }}); err != nil {
			t.Errorf("%s --help: %v", cmd, err)
		}
		if !strings.Contains(out.String(), "Usage: tailcast "+cmd) {
			t.Errorf("%s --help: got %q", cmd, out.String())
		}
	}
}
