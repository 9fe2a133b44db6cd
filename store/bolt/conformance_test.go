package bolt_test

import (
	"testing"

	"ficshelf/shelf"
	"ficshelf/store/bolt"
	"ficshelf/storetest"
)

// TestConformance runs the storage conformance suite on the BoltDB engine.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t testing.TB) shelf.Store { return storetest.Open(t) })
}

// TestConformanceTitlesFromFile runs the title look-up cases with every
// look-up answered from the file (story_sort), as they are while a big
// guild's index is being built: the same answers as from the index.
func TestConformanceTitlesFromFile(t *testing.T) {
	defer bolt.TitlesFromFile()()
	storetest.RunTitleLookups(t, func(t testing.TB) shelf.Store { return storetest.Open(t) })
}
