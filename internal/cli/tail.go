package cli

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"regexp"
	"strings"

	"github.com/tailcast/tailcast/internal/client"
	"github.com/tailcast/tailcast/internal/config"
)

// tailCommand is `tailcast tail`: a terminal client of a server.
type tailCommand struct {
	opts     client.TailOptions
	noColor  bool
	ca       string
	insecure bool
	part     int // --partition; -1: let the server find it
}

// patternID is the form of a pattern id (docs/protocol.md, Patterns).
var patternID = regexp.MustCompile(`^[0-9a-f]{16}$`)

func newTailCommand() command { return &tailCommand{} }

func (c *tailCommand) usage() string {
	return "Usage: tailcast tail URL [flags]\n\nFollows a tailcast server from the terminal, reconnecting and resuming."
}

func (c *tailCommand) bind(s *config.Set) {
	o := &c.opts
	o.Output = client.OutputPretty // what the client prints for ""
	s.Bind(&o.Output, "output", "output format: pretty, json or raw").Alias("o")
	s.Bind(&c.noColor, "no-color", "never colour the output (also NO_COLOR)")
	s.Bind(&o.Local, "local", "print times in local time instead of UTC")
	s.Bind(&o.Backfill, "backfill", "first print the N most recent matching entries")
	s.Bind(&o.Since, "since", "resume strictly after this cursor (wins over --backfill)")
	s.Bind(&o.Filter.Service, "only-service", "print only entries of these services, comma-separated")
	s.Bind(&o.Filter.Host, "only-host", "print only entries from these hosts, comma-separated")
	s.Bind(&o.Filter.Level, "level", "print only entries at this level or above: trace, debug, info, warn, error or fatal")
	s.Bind(&o.Filter.Query, "grep", "print only entries whose message contains this text (case-insensitive)")
	s.Bind(&o.Filter.Regex, "regex", "print only entries whose message matches this RE2 regexp")
	s.Bind(&o.Filter.Where, "where", "print only entries whose parsed field satisfies this, e.g. status>=500, user!=bob, path~^/api/ (repeat for several; all must hold)").Whole()
	s.Bind(&o.Filter.Pattern, "pattern", "print only entries of this pattern id, as `tailcast patterns` or the viewer shows it (repeat or comma-separate for several: any of them)")
	s.Bind(&o.Filter.NotPattern, "not-pattern", "do not print entries of this pattern id (repeat or comma-separate for several)")
	s.Bind(&o.History.From, "from", "first print the entries since this time: RFC 3339 or a duration ago (15m, 2h)")
	s.Bind(&o.History.To, "to", "with --from: end the range here (RFC 3339 or a duration ago) and exit when it is printed")
	s.Bind(&o.History.Limit, "limit", "with --from: print at most N entries of the range (server default 5000, at most 100000)")
	s.Bind(&o.History.Newest, "newest", "with --from and --limit: print the newest N entries of the range instead of the oldest")
	s.Bind(&o.History.Around, "around", "print the lines of the same file around the entry with this cursor, then exit")
	o.History.Before, o.History.After, c.part = 50, 50, -1
	s.Bind(&o.History.Before, "before", "with --around: lines before the entry").Alias("B")
	s.Bind(&o.History.After, "after", "with --around: lines after the entry").Alias("A")
	s.Bind(&c.part, "partition", "with --around and a cursor from before cursor version 2 (which names no partition of its own): the entry's partition (-1: ask the server)")
	s.Bind(&o.Token, "auth-token", "access token to send to a server started with --token")
	s.Bind(&c.ca, "ca", "PEM file of the CA that signed the server's certificate (default: the system's roots)")
	s.Bind(&c.insecure, "insecure", "do not verify the server's certificate (prints a warning)")
}

func (c *tailCommand) args(pos []string) error {
	if len(pos) > 1 {
		return fmt.Errorf("tail takes one URL, got %q", pos)
	}
	if len(pos) == 1 {
		c.opts.URL = pos[0]
	}
	return nil
}

func (c *tailCommand) validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if c.opts.URL == "" {
		bad("tail: a server URL is required, e.g. tailcast tail http://127.0.0.1:8080")
	}
	switch c.opts.Output {
	case client.OutputJSON, client.OutputRaw, client.OutputPretty:
	default:
		bad("output %q: want json, raw or pretty", c.opts.Output)
	}
	if c.opts.Filter.Regex != "" {
		if _, err := regexp.Compile(c.opts.Filter.Regex); err != nil {
			bad("regex: %v", err)
		}
	}
	for _, id := range c.opts.Filter.Pattern {
		if !patternID.MatchString(id) {
			bad("pattern %q: want a pattern id, 16 hex digits as the viewer, -o json or `tailcast patterns` shows it", id)
		}
	}
	for _, id := range c.opts.Filter.NotPattern {
		if !patternID.MatchString(id) {
			bad("not-pattern %q: want a pattern id, 16 hex digits as the viewer, -o json or `tailcast patterns` shows it", id)
		}
	}
	h := c.opts.History
	switch {
	case h.To != "" && h.From == "":
		bad("to: needs --from")
	case (h.Limit != 0 || h.Newest) && h.From == "":
		bad("limit and newest: need --from")
	case h.From != "" && c.opts.Since != "":
		bad("from: cannot be combined with --since")
	case h.Around != "" && (h.From != "" || c.opts.Since != ""):
		bad("around: cannot be combined with --from or --since")
	case h.Limit < 0 || h.Limit > 100_000:
		bad("limit %d: must be from 1 to 100000", h.Limit)
	case h.Before < 0 || h.After < 0:
		bad("before and after: must not be negative")
	}
	if c.opts.Backfill < 0 {
		bad("backfill %d: must not be negative", c.opts.Backfill)
	}
	if c.ca != "" && c.insecure {
		bad("ca and insecure: give one or the other")
	}
	return joinErrs(errs)
}

// tlsConfig is the TLS the client uses for https:// and wss:// URLs; nil
// means the system's roots.
func (c *tailCommand) tlsConfig(stderr io.Writer) (*tls.Config, error) {
	switch {
	case c.insecure:
		fmt.Fprintln(stderr, "tailcast: warning: --insecure: the server's certificate is not verified, so anyone on the way can read and change the stream and take the token")
		return &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: true}, nil //nolint:gosec // the user's explicit choice, warned about
	case c.ca != "":
		pem, err := os.ReadFile(c.ca)
		if err != nil {
			return nil, fmt.Errorf("ca: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("ca %s: no PEM certificate in it", c.ca)
		}
		return &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: pool}, nil
	}
	return nil, nil
}

// plainTokenHost returns the host when a token would travel unencrypted
// (ws:// or http://) to a host other than this machine's loopback, and ""
// otherwise or when the URL is unusable (Dial reports that).
func plainTokenHost(rawURL, token string) string {
	if token == "" {
		return ""
	}
	u, err := client.Endpoint(rawURL)
	if err != nil || u.Scheme != "ws" {
		return ""
	}
	host := u.Hostname()
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return ""
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return ""
	}
	return host
}

func (c *tailCommand) run(ctx context.Context, env Env) error {
	tc, err := c.tlsConfig(env.Stderr)
	if err != nil {
		return err
	}
	if host := plainTokenHost(c.opts.URL, c.opts.Token); host != "" {
		fmt.Fprintf(env.Stderr, "tailcast: warning: sending the token to %s over unencrypted ws://, where anyone on the way can read it; use https:// or wss://\n", host)
	}
	opts := c.opts
	opts.TLSConfig = tc
	opts.Reconnect = true
	if c.part >= 0 {
		opts.History.Partition = &c.part
	}
	if c.noColor {
		opts.Color = "never"
	}
	err = client.Tail(ctx, opts, env.Stdout, env.Stderr)
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}
