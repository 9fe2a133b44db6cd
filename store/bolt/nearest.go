package bolt

import (
	"math"
	"slices"
)

// nearest keeps the n candidates closest to one typed (folded) title,
// best first: lowest shelf.TitleDistance, ties by lower story ID. Each
// candidate offered is scored with the n-th best so far as its cutoff, so
// a hopeless one stops early. Both miss paths use it: the in-memory index
// (guildIndex.closest) and the file while that index is built
// (closestFromFile).
type nearest[T any] struct {
	n    int
	sc   *scorer
	best []nearestItem[T]
}

type nearestItem[T any] struct {
	v     T
	id    uint64
	score int
}

func newNearest[T any](folded string, n int) *nearest[T] {
	return &nearest[T]{n: n, sc: newScorer(folded)}
}

// worst is the n-th best score so far, or math.MaxInt while fewer than n
// are kept: a candidate whose score cannot be below it cannot enter.
func (b *nearest[T]) worst() int {
	if len(b.best) < b.n {
		return math.MaxInt
	}
	return b.best[b.n-1].score
}

// offer scores v (story id, folded title fold) and keeps it if it is among
// the n best so far.
func (b *nearest[T]) offer(v T, id uint64, fold string) {
	x := nearestItem[T]{v, id, b.sc.score(fold, b.worst())}
	better := func(a, c nearestItem[T]) int {
		if a.score != c.score {
			return a.score - c.score
		}
		return cmpID(a.id, c.id)
	}
	if len(b.best) == b.n && better(x, b.best[b.n-1]) > 0 {
		return
	}
	i, _ := slices.BinarySearchFunc(b.best, x, better)
	b.best = slices.Insert(b.best, i, x)
	b.best = b.best[:min(b.n, len(b.best))]
}

// items returns the kept candidates, best first.
func (b *nearest[T]) items() []T {
	out := make([]T, len(b.best))
	for i, x := range b.best {
		out[i] = x.v
	}
	return out
}
