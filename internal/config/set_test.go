package config

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// settings is a command's worth of settings for the tests.
type settings struct {
	topic   string
	brokers []string
	linger  time.Duration
	size    int64
	verbose bool
	inputs  []struct {
		Path string `yaml:"path"`
	}
}

func newTestSet(cmd string) (*Set, *settings) {
	st := &settings{topic: "logs", linger: 2 * time.Millisecond}
	s := NewSet(cmd, "Usage: tailcast "+cmd)
	s.Bind(&st.topic, "topic", "Kafka topic")
	s.Bind(&st.brokers, "brokers", "brokers")
	s.Bind(&st.linger, "linger", "batching delay")
	s.Bind(&st.size, "max-bytes", "a size")
	s.Bind(&st.verbose, "verbose", "say more").Alias("v")
	s.FileKey(&st.inputs, "inputs", "inputs")
	return s, st
}

// keys: "collect" is the test Set; "serve" takes listen and topic.
var keys = Keys{"collect": {"topic", "brokers", "linger", "max-bytes", "verbose", "inputs"}, "serve": {"topic", "listen"}}

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
	file := writeFile(t, "topic: from-file\nlinger: 7ms\nbrokers: [file:1]\nlisten: 127.0.0.1:1\n")
	sections := writeFile(t, "topic: shared\nlinger: 7ms\ncollect:\n  topic: from-section\nserve:\n  topic: not-mine\n")
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
		{"repeated list flag adds", []string{"--brokers", "f:1", "--brokers", "f:2,f:3"}, map[string]string{"TAILCAST_BROKERS": "e:1"}, "logs", []string{"f:1", "f:2", "f:3"}, 2 * time.Millisecond},
		{"config from env", nil, map[string]string{"TAILCAST_CONFIG": file}, "from-file", []string{"file:1"}, 7 * time.Millisecond},
		{"own section over shared keys", []string{"--config", sections}, nil, "from-section", nil, 7 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, st := newTestSet("collect")
			if _, err := s.Parse(tt.args, envOf(tt.env), io.Discard, keys); err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if st.topic != tt.topic {
				t.Errorf("topic: got %q, want %q", st.topic, tt.topic)
			}
			if !slices.Equal(st.brokers, tt.brokers) {
				t.Errorf("brokers: got %q, want %q", st.brokers, tt.brokers)
			}
			if st.linger != tt.linger {
				t.Errorf("linger: got %v, want %v", st.linger, tt.linger)
			}
		})
	}
}

func TestInterspersedPositionals(t *testing.T) {
	s, st := newTestSet("collect")
	pos, err := s.Parse([]string{"a.log", "-v", "b/*.log", "--max-bytes", "2KiB", "--", "--weird.log"}, envOf(nil), io.Discard, keys)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"a.log", "b/*.log", "--weird.log"}; !slices.Equal(pos, want) {
		t.Errorf("positionals: got %q, want %q", pos, want)
	}
	if !st.verbose || st.size != 2048 {
		t.Errorf("got verbose %v size %d, want true 2048", st.verbose, st.size)
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
		{"bad env", nil, map[string]string{"TAILCAST_MAX_BYTES": "huge"}, "", []string{"TAILCAST_MAX_BYTES", "whole number"}},
		{"unknown file key", nil, nil, "topik: x\n", []string{`:1: unknown key "topik" (no command has this setting)`}},
		{"unknown key in own section", nil, nil, "collect:\n  listen: x\n", []string{`:2: collect: unknown key "listen" (a setting of serve)`}},
		{"typo in another section", nil, nil, "serve:\n  lisen: x\n", []string{`:2: serve: unknown key "lisen"`}},
		{"config in a file", nil, nil, "config: other.yaml\n", []string{"a file cannot name another file"}},
		{"bad file value", nil, nil, "linger: 7\n", []string{":1: linger: want a duration"}},
		{"every problem at once", nil, nil, "topik: x\nlinger: soon\n", []string{"topik", "linger"}},
		{"bad yaml", nil, nil, "topic: [\n", []string{"parse config"}},
		{"section not a mapping", nil, nil, "collect: 3\n", []string{`section "collect": want a mapping`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := tt.args
			if tt.file != "" {
				args = append(args, "--config", writeFile(t, tt.file))
			}
			s, _ := newTestSet("collect")
			_, err := s.Parse(args, envOf(tt.env), io.Discard, keys)
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

// A shared file may hold another command's settings: they are noted, not
// applied and not an error.
func TestOtherCommandsKeysAreNoted(t *testing.T) {
	s, st := newTestSet("collect")
	notes, err := s.ReadFile(writeFile(t, "listen: 127.0.0.1:1\ntopic: t\n"), keys)
	if err != nil {
		t.Fatal(err)
	}
	if len(notes) != 1 || !strings.Contains(notes[0], "listen is a setting of serve, not of collect") {
		t.Errorf("notes: got %q, want one about listen", notes)
	}
	if st.topic != "t" {
		t.Errorf("topic: got %q, want t", st.topic)
	}
}

func TestFileKeyAndLists(t *testing.T) {
	s, st := newTestSet("collect")
	file := writeFile(t, "brokers: a:1, b:2\ninputs:\n  - path: /var/log/*.log\n  - path: /srv/**/*.log\nmax-bytes: 32MiB\n")
	if _, err := s.Parse([]string{"--config", file}, envOf(nil), io.Discard, keys); err != nil {
		t.Fatal(err)
	}
	if want := []string{"a:1", "b:2"}; !slices.Equal(st.brokers, want) {
		t.Errorf("brokers: got %q, want %q", st.brokers, want)
	}
	if len(st.inputs) != 2 || st.inputs[1].Path != "/srv/**/*.log" {
		t.Errorf("inputs: got %+v", st.inputs)
	}
	if st.size != 32<<20 {
		t.Errorf("max-bytes: got %d, want %d", st.size, 32<<20)
	}
}

func TestHelp(t *testing.T) {
	s, _ := newTestSet("collect")
	s.Lookup("brokers").DefaultText("`none`: the embedded broker")
	var out strings.Builder
	_, err := s.Parse([]string{"--help"}, envOf(nil), &out, keys)
	if !errors.Is(err, ErrHelp) {
		t.Fatalf("got %v, want ErrHelp", err)
	}
	got := out.String()
	if n := strings.Count(got, "Usage:"); n != 1 {
		t.Errorf("usage printed %d times, want once", n)
	}
	for _, w := range []string{
		"Usage: tailcast collect", "TAILCAST_<FLAG>",
		"--linger duration\n        batching delay (default 2ms)",
		"-v, --verbose\n", "(default none: the embedded broker)",
		"Only in the --config file:\n  inputs",
	} {
		if !strings.Contains(got, w) {
			t.Errorf("usage does not contain %q:\n%s", w, got)
		}
	}
	if strings.Contains(got, "--inputs") {
		t.Errorf("usage lists the file-only key as a flag:\n%s", got)
	}
}

func TestMarkdown(t *testing.T) {
	s, _ := newTestSet("collect")
	md := s.Markdown()
	for _, w := range []string{
		"| `--linger` | `TAILCAST_LINGER` | `2ms` | batching delay |",
		"| `-v`, `--verbose` | `TAILCAST_VERBOSE` | `false` | say more |",
		"| `inputs` (file only) | — | — | inputs |",
		"| `--brokers` | `TAILCAST_BROKERS` | — | brokers |",
	} {
		if !strings.Contains(md, w) {
			t.Errorf("markdown lacks %q:\n%s", w, md)
		}
	}
}

// A Whole list takes each value as one item, commas included; a plain list
// splits on commas. Both add up over repeated flags.
func TestWholeList(t *testing.T) {
	tests := []struct {
		name  string
		whole bool
		args  []string
		want  []string
	}{
		{"split", false, []string{"--x", "a,b", "--x", "c"}, []string{"a", "b", "c"}},
		{"whole", true, []string{"--x", "path~^a{1,3}$", "--x", "status>=500"}, []string{"path~^a{1,3}$", "status>=500"}},
		{"whole trims and skips empty", true, []string{"--x", " a,b ", "--x", ""}, []string{"a,b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			s := NewSet("test", "usage")
			f := s.Bind(&got, "x", "a list")
			if tt.whole {
				f.Whole()
			}
			if _, err := s.Parse(tt.args, func(string) string { return "" }, io.Discard, nil); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
