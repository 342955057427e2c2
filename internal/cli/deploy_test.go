package cli

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
)

// There is no Docker engine here, so the compose file is checked the way
// Compose reads it, and every command it runs is parsed by the real flag
// parser.
func TestDockerCompose(t *testing.T) {
	root := filepath.Join("..", "..")
	project, err := loader.LoadWithContext(context.Background(), types.ConfigDetails{
		WorkingDir:  root,
		ConfigFiles: []types.ConfigFile{{Filename: filepath.Join(root, "docker-compose.yml")}},
		Environment: types.Mapping{},
	}, func(o *loader.Options) { o.SetProjectName("tailcast", true) })
	if err != nil {
		t.Fatalf("load docker-compose.yml: %v", err)
	}

	want := []string{"collector", "demo", "kafka", "server"}
	got := project.ServiceNames()
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Fatalf("services: got %v, want %v", got, want)
	}

	kafka := project.Services["kafka"]
	if !strings.HasPrefix(kafka.Image, "apache/kafka:") {
		t.Errorf("kafka image: got %q, want the official apache/kafka", kafka.Image)
	}
	if roles := kafka.Environment["KAFKA_PROCESS_ROLES"]; roles == nil || *roles != "broker,controller" {
		t.Errorf("kafka: got process roles %v, want KRaft broker,controller", roles)
	}

	server := project.Services["server"]
	if len(server.Ports) != 1 || server.Ports[0].Published != "8080" || server.Ports[0].Target != 8080 {
		t.Errorf("server ports: got %+v, want 8080:8080", server.Ports)
	}

	mounts := func(s types.ServiceConfig) map[string]string {
		m := map[string]string{}
		for _, v := range s.Volumes {
			m[v.Source] = v.Target
		}
		return m
	}
	if got := mounts(project.Services["demo"])["logs"]; got != "/logs" {
		t.Errorf("demo: logs volume at %q, want /logs", got)
	}
	col := mounts(project.Services["collector"])
	if col["logs"] != "/logs" || col["collector-state"] != "/var/lib/tailcast" {
		t.Errorf("collector volumes: got %v, want logs at /logs and state at /var/lib/tailcast", col)
	}
	if _, ok := project.Services["collector"].DependsOn["kafka"]; !ok {
		t.Error("collector does not wait for kafka")
	}

	// Every command must parse and validate with the binary's real flags.
	for _, name := range []string{"demo", "collector", "server"} {
		t.Run(name, func(t *testing.T) {
			s := project.Services[name]
			if s.Image != "tailcast:local" {
				t.Errorf("image: got %q, want tailcast:local", s.Image)
			}
			cmd := []string(s.Command)
			if len(cmd) == 0 {
				t.Fatal("no command")
			}
			c, err := parse(lookup(t, cmd[0]), cmd[1:], Env{Stdout: io.Discard, Getenv: func(string) string { return "" }})
			if err != nil {
				t.Fatalf("%v: %v", cmd, err)
			}
			if strings.Contains(strings.Join(cmd, " "), "kafka:9092") {
				var brokers []string
				switch c := c.(type) {
				case *collectCommand:
					brokers = c.kafka.kafka.Brokers
				case *serveCommand:
					brokers = c.kafka.kafka.Brokers
				}
				if len(brokers) != 1 || brokers[0] != "kafka:9092" {
					t.Errorf("brokers: got %v, want [kafka:9092]", brokers)
				}
			}
		})
	}

	docker, err := os.ReadFile(filepath.Join(root, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"CGO_ENABLED=0", "USER nonroot", "FROM gcr.io/distroless/static"} {
		if !strings.Contains(string(docker), w) {
			t.Errorf("Dockerfile lacks %q", w)
		}
	}
}

// lookup returns the command called name.
func lookup(t *testing.T, name string) entry {
	t.Helper()
	for _, e := range commands {
		if e.name == name {
			return e
		}
	}
	t.Fatalf("no command %q", name)
	return entry{}
}
