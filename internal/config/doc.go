// Package config loads tailcast's settings from three sources: a YAML file
// (--config), TAILCAST_* environment variables and command-line flags, with
// the precedence flag, then environment, then file, then default. Every
// option has one name across the three (flag --max-line-bytes, environment
// TAILCAST_MAX_LINE_BYTES, file key max-line-bytes). Validation reports every
// problem at once. Loading is pure; a Config is a plain value.
package config
