package bolt_test

import (
	"testing"

	"ficshelf/shelf"
	"ficshelf/storetest"
)

// TestConformance runs the storage conformance suite on the BoltDB engine.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t testing.TB) shelf.Store { return storetest.Open(t) })
}
