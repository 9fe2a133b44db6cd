//go:build !linux

package workpool

// Background runs f (outside Linux, at the usual priority; see
// nice_linux.go).
func Background(f func()) { f() }
