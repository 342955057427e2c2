// Package config is the settings layer every tailcast command shares: a Set
// is one command's flag set whose flags can also come from TAILCAST_*
// environment variables and from a YAML file, with the precedence flag,
// then environment, then file, then default.
//
// A Set knows nothing about the commands. Each command (internal/cli) binds
// its own settings to its own Set, one line per flag, with the default
// already in the bound variable, so that --help, the documentation and the
// program show the same default from one definition.
//
// A file holds shared top-level keys, applied by every command that takes
// them, and sections named after commands (collect:, serve:, ...) that only
// that command reads and that override the shared keys. A key that no
// command takes is an error, as is a key in a section that its command does
// not take.
//
// A Set is not safe for concurrent use; build one per parse.
package config
