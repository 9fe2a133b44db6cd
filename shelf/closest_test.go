package shelf

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestScorerIsTitleDistance checks the bit-parallel scorer against
// TitleDistance on random strings: short and over 64 runes, ASCII
// and not, inputs longer and shorter than the titles.
func TestScorerIsTitleDistance(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	alpha := []rune("abcde éøñ雪")
	str := func(n int) string {
		var b strings.Builder
		for range n {
			b.WriteRune(alpha[r.IntN(len(alpha))])
		}
		return b.String()
	}
	lens := []int{1, 2, 3, 5, 9, 20, 63, 64, 65, 90}
	for i := range 4000 {
		typed, title := str(lens[r.IntN(len(lens))]), str(lens[r.IntN(len(lens))])
		if i%7 == 0 {
			title = str(2) + typed + str(3) // contained
		}
		if got, want := NewTitleScorer(typed).Score(title, math.MaxInt), TitleDistance(typed, title); got != want {
			t.Fatalf("score(%q, %q) = %d, want %d", typed, title, got, want)
		}
	}
}
