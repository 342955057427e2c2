// Package loghub serves the loghub sample logs (testdata/, see its LICENSE)
// to every test and benchmark that needs real log lines: nine datasets of
// 2,000 lines, each with the template (EventId) of every line.
//
// The files are embedded, so a test finds them whatever its working
// directory and with nothing beside the repository. Everything here is safe
// to call concurrently; callers get their own copies.
package loghub
