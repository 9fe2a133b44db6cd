//go:build !linux

package bolt

import bbolt "go.etcd.io/bbolt"

// dropMappedPages does nothing outside Linux (see residency_linux.go).
func dropMappedPages(*bbolt.DB) {}
