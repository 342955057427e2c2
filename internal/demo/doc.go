// Package demo writes realistic logs for trying tailcast: one file per
// service, at a steady total rate, in the shapes real services produce
// (zap and logrus JSON, "2026-01-02 15:04:05,000 LEVEL logger - message"
// lines, nginx access and error logs), with mostly info, some debug and warn,
// rare errors and fatals, and Java, Python and Go stack traces after some
// errors. It can rotate files (rename to .1 and recreate) to show rotation.
//
// Run owns no goroutines; it returns when its context is done or it has
// written Config.Lines entries.
package demo
