package shelf

import (
	"cmp"
	"math"
	"slices"
	"strings"
)

// TitleScorer computes TitleDistance from one typed (folded) input to
// many titles: containment, else the edit distances to the title's start
// and to the whole title, both from one bit-parallel pass over the title
// (Myers' algorithm in Hyyrö's formulation for the global edit distance:
// after column j the score is the distance from the input to the title's
// first j runes). The input's first 64 runes fit one machine word, as
// TitleDistance caps both strings at 64 runes.
type TitleScorer struct {
	typed string
	n     int // runes in typed (uncapped)
	m     int // runes in the pattern (at most 64)
	ascii [128]uint64
	other map[rune]uint64
}

// NewTitleScorer prepares the scoring of many titles against typed (a
// folded input).
func NewTitleScorer(typed string) *TitleScorer {
	sc := &TitleScorer{typed: typed, other: map[rune]uint64{}}
	for _, c := range typed {
		if sc.m < 64 {
			if c < 128 {
				sc.ascii[c] |= 1 << sc.m
			} else {
				sc.other[c] |= 1 << sc.m
			}
			sc.m++
		}
		sc.n++
	}
	return sc
}

// Score is TitleDistance(typed, title), or, once the distance is known
// to exceed cutoff, some number above cutoff.
func (sc *TitleScorer) Score(title string, cutoff int) int {
	if strings.Contains(title, sc.typed) {
		return 0
	}
	m := sc.m
	var pv, mv uint64 = ^uint64(0), 0
	if m < 64 {
		pv = 1<<m - 1
	}
	high := uint64(1) << (m - 1)
	dist, start := m, -1
	j := 0
	for _, c := range title {
		if j == 64 {
			break
		}
		if j == sc.n { // the title's start is as long as the input
			start = dist
			// The whole title is at least as far as its start less the
			// runes after it.
			if 1000+10*start+max(0, start-(min(len(title), 64)-j)) > cutoff {
				return cutoff + 1
			}
		} else if j < sc.n && 1000+10*(dist-(sc.n-j)) > cutoff {
			// The start's distance can fall by at most one a rune.
			return cutoff + 1
		}
		var eq uint64
		if c < 128 {
			eq = sc.ascii[c]
		} else {
			eq = sc.other[c]
		}
		xv := eq | mv
		xh := (((eq & pv) + pv) ^ pv) | eq
		ph := mv | ^(xh | pv)
		mh := pv & xh
		if ph&high != 0 {
			dist++
		} else if mh&high != 0 {
			dist--
		}
		ph = ph<<1 | 1
		mh <<= 1
		pv = mh | ^(xv | ph)
		mv = ph & xv
		j++
	}
	if start < 0 { // the title (or its first 64 runes) is no longer than the input
		start = dist
	}
	return 1000 + 10*start + dist
}

// Nearest keeps the n candidates closest to one typed (folded) title,
// best first: lowest TitleDistance, ties by lower story ID. Each
// candidate offered is scored with the n-th best so far as its cutoff, so
// a hopeless one stops early. Every engine's "did you mean" ranks its candidates with it, so that
// all rank alike.
type Nearest[T any] struct {
	n    int
	sc   *TitleScorer
	best []nearestItem[T]
}

type nearestItem[T any] struct {
	v     T
	id    uint64
	score int
}

// NewNearest keeps the n (at least 1) candidates closest to folded.
func NewNearest[T any](folded string, n int) *Nearest[T] {
	return &Nearest[T]{n: max(1, n), sc: NewTitleScorer(folded)}
}

// Worst is the n-th best score so far, or math.MaxInt while fewer than n
// are kept: a candidate whose score cannot be below it cannot enter.
func (b *Nearest[T]) Worst() int {
	if len(b.best) < b.n {
		return math.MaxInt
	}
	return b.best[b.n-1].score
}

// Offer scores v (story id, folded title fold) and keeps it if it is among
// the n best so far.
func (b *Nearest[T]) Offer(v T, id uint64, fold string) {
	x := nearestItem[T]{v, id, b.sc.Score(fold, b.Worst())}
	better := func(a, c nearestItem[T]) int {
		if a.score != c.score {
			return a.score - c.score
		}
		return cmp.Compare(a.id, c.id)
	}
	if len(b.best) == b.n && better(x, b.best[b.n-1]) > 0 {
		return
	}
	i, _ := slices.BinarySearchFunc(b.best, x, better)
	b.best = slices.Insert(b.best, i, x)
	b.best = b.best[:min(b.n, len(b.best))]
}

// Items returns the kept candidates, best first.
func (b *Nearest[T]) Items() []T {
	out := make([]T, len(b.best))
	for i, x := range b.best {
		out[i] = x.v
	}
	return out
}
