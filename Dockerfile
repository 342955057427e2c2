# syntax=docker/dockerfile:1
# Multi-stage: a static binary on a distroless base, run as non-root.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath \
    -ldflags "-s -w -X github.com/tailcast/tailcast/internal/cli.Version=${VERSION}" \
    -o /out/tailcast ./cmd/tailcast
# Named volumes copy these directories' ownership, so nonroot can write them.
RUN mkdir -p /out/logs /out/state

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/tailcast /usr/local/bin/tailcast
COPY --from=build --chown=65532:65532 /out/logs /logs
COPY --from=build --chown=65532:65532 /out/state /var/lib/tailcast
USER nonroot:nonroot
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/tailcast"]
CMD ["--help"]
