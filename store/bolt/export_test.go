package bolt

// Test hooks for package bolt_test.

// PopularWalks returns how many searches the most-popular-first walk
// answered and how many it handed to the exhaustive ranking.
func PopularWalks() (answered, gaveUp int64) { return popularAnswered.Load(), popularGaveUp.Load() }

// TitlesFromFile makes every title look-up answer from the file, as while
// a big guild's index is being built (titlescan.go), until restore is
// called.
func TitlesFromFile() (restore func()) {
	titlesFromFileAlways = true
	return func() { titlesFromFileAlways = false }
}
