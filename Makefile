# tailcast. `make run` starts the demo; `make test` runs every test.
GO        ?= go
BIN       ?= bin/tailcast
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -s -w -X github.com/tailcast/tailcast/internal/cli.Version=$(VERSION)
PROTOC_GEN_GO_VERSION := v1.36.12
GOBIN     ?= $(shell $(GO) env GOPATH)/bin

.PHONY: all build run test test-go test-browser test-reliability deps bench bench-collector bench-pusher bench-patterns bench-history proto lint fuzz clean

all: build

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/tailcast

# Everything on this machine: demo logs, embedded Kafka, the viewer.
run: build
	@mkdir -p demo-logs
	@./$(BIN) demo --dir demo-logs --rate 20 & echo $$! > demo-logs/.demo.pid; \
	trap 'kill $$(cat demo-logs/.demo.pid) 2>/dev/null' EXIT INT TERM; \
	./$(BIN) run --data-dir tailcast-data --from-start 'demo-logs/*.log'

# Installs what the tests need (kcat, Chromium, playwright-core) when missing.
deps:
	@./scripts/test-deps

test: deps test-go test-browser

test-go:
	$(GO) vet ./...
	$(GO) test -race -count=1 -timeout 15m ./...

test-browser: build
	cd web/test && TAILCAST_BIN=$(CURDIR)/$(BIN) node --test --test-concurrency=1 --test-timeout=300000 *.test.mjs

test-reliability: deps build
	$(GO) test -race -count=1 -timeout 20m -run 'Reliability' -tags reliability ./...

bench: bench-collector bench-pusher bench-history

bench-collector: build
	./bench/collector.sh

bench-pusher: build
	./bench/pusher.sh

bench-history: build
	./bench/history.sh

# The template miner: grouping accuracy on the loghub samples against the
# issue's target (fails when it is not met, after the benchmark has run),
# then its speed on one core.
bench-patterns:
	@$(GO) test -count=1 -run '^TestAccuracy$$' -v ./internal/patterns/; acc=$$?; \
	$(GO) test -run '^$$' -bench . -benchmem -cpu 1 ./internal/patterns/ || exit 1; exit $$acc

fuzz:
	./scripts/fuzz 10s

proto:
	@command -v protoc >/dev/null || { echo "protoc missing: apt-get install protobuf-compiler"; exit 1; }
	GOBIN=$(GOBIN) $(GO) install google.golang.org/protobuf/cmd/protoc-gen-go@$(PROTOC_GEN_GO_VERSION)
	PATH=$(GOBIN):$$PATH protoc --go_out=. --go_opt=module=github.com/tailcast/tailcast -I proto proto/tailcast/v1/entry.proto

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go' | grep -v '\.pb\.go$$'))" || { gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...
	./scripts/vulncheck

clean:
	rm -rf bin tailcast-data demo-logs
