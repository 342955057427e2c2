// Package cli is the tailcast command: each subcommand is one type with its
// own flag set (command.go), which parses its settings, builds the
// components, runs them and shuts them down in order. Run is the whole
// program behind main, so tests drive the real command in-process.
//
// Run keeps no state between calls, so separate calls may run concurrently
// (the tests do, each with its own ports and directories); each call owns the
// components it starts and has stopped them when it returns. A command's
// settings belong to the one call that parsed them.
package cli
