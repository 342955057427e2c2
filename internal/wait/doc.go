// Package wait is the one polling helper of tailcast's tests: wait for a
// condition with a deadline instead of sleeping and hoping.
//
// For is safe to call from concurrent tests; cond runs on the caller's
// goroutine only.
package wait
