package consumer

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/tailcast/tailcast/internal/kafkaconf"
	"github.com/tailcast/tailcast/internal/kafkatest"
	"github.com/tailcast/tailcast/internal/wait"
)

func TestReady(t *testing.T) {
	b := kafkatest.Start(t, "logs", 3)
	c, err := New(Config{Kafka: kafkaconf.Config{Brokers: []string{b.Addr()}}, Group: "ready", Sink: newRecSink()})
	if err != nil {
		t.Fatal(err)
	}
	if c.Ready() {
		t.Error("before Start: got ready, want not ready")
	}
	if err := c.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	wait.For(t, 15*time.Second, "ready", c.Ready)
	if err := c.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	if c.Ready() {
		t.Error("after Close: got ready, want not ready")
	}
	if err := c.Start(context.Background()); !errors.Is(err, ErrClosed) {
		t.Errorf("Start after Close: got %v, want ErrClosed", err)
	}
}

func TestStartUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()

	c, err := New(Config{Kafka: kafkaconf.Config{Brokers: []string{addr}}, Sink: newRecSink()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	start := time.Now()
	err = c.Start(context.Background())
	if !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), addr) {
		t.Errorf("got error %v, want ErrUnreachable naming %s", err, addr)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Start took %v, want a few seconds at most", d)
	}
	if c.Ready() {
		t.Error("got ready, want not ready")
	}
}

func TestNewValidates(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"no sink", Config{Kafka: kafkaconf.Config{Brokers: []string{"127.0.0.1:1"}}}, "no sink"},
		{"no brokers", Config{Sink: newRecSink()}, "no kafka brokers"},
		{"bad sasl", Config{Sink: newRecSink(), Kafka: kafkaconf.Config{Brokers: []string{"127.0.0.1:1"}, SASL: kafkaconf.SASL{Mechanism: "MD5"}}}, "sasl mechanism"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestStartMissingTopic(t *testing.T) {
	b := kafkatest.Start(t, "logs", 1)
	c, err := New(Config{Kafka: kafkaconf.Config{Brokers: []string{b.Addr()}}, Topic: "no-such-topic", Sink: newRecSink()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	err = c.Start(context.Background())
	if err == nil || !strings.Contains(err.Error(), "no-such-topic") {
		t.Errorf("got %v, want an error naming the topic", err)
	}
}
