// Package reliability is tailcast's proof under fire: tests that drive the
// real `tailcast` binary, real files, real loopback sockets and a real
// (kfake) broker through faults, and count what got lost.
//
// Each test checks, with an independent observer (kcat reading the topic, or
// a separate websocket client), that:
//
//   - kill -9 of the collector at random points during a stream with
//     rename-rotations loses no line, with bounded duplicates
//     (TestReliabilityCollectorKill9);
//   - a broker stopped and restarted from its data dir, produce errors and
//     slow produce responses lose no line, and a viewer resumes across them
//     without duplicates (TestReliabilityBrokerOutage);
//   - viewers of a server that is restarted resume from their cursor with no
//     duplicate and no gap (TestReliabilityServerRestart);
//   - clients that never read, read one line a second or are half-open are
//     cut, and one that reads steadily but too slowly is sent "dropped" and
//     close 1008, while the other clients' latency and the server's memory
//     stay bounded; a silent dead peer is closed by the keepalive
//     (TestReliabilitySlowClients, TestReliabilityDeadPeer);
//   - hostile websocket input neither crashes the server nor grows its
//     memory, and gets a clear HTTP status or close code
//     (TestReliabilityHostile);
//   - token auth, Origin checks, TLS, the per-IP limit and the absence of
//     file access through the web handler hold (TestReliabilitySecurity);
//   - the client's protocol decoder survives arbitrary server output
//     (FuzzClientDecode; the other fuzz targets live beside their code and
//     scripts/fuzz runs them all).
//
// Sizes scale with TAILCAST_RELIABILITY_SCALE (default 1, the CI size; 10
// under the `reliability` build tag, the soak size). docs/RELIABILITY.md
// has the figures and the commands that produced them. The package has no
// API: it is tests only, and each test owns the processes it starts (they
// are killed at cleanup).
package reliability
