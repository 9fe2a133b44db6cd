package storetest

import (
	"cmp"
	"fmt"
	"slices"
	"testing"
	"time"

	"ficshelf/shelf"
)

// Kudo is one kudos as a test gave it.
type Kudo struct {
	Story, User string
	At          time.Time
}

// WantTop is /kudos top of period p at now computed from the kudos given,
// as the contract says, as "storyID:count" strings: most kudos in the
// period first, ties by all-time kudos, then newest story (the higher ID:
// the stories must have been added in ID order at increasing times).
func WantTop(ks []Kudo, p shelf.Period, now time.Time, limit int) []string {
	since := p.Since(now)
	period, all := map[string]int{}, map[string]int{}
	for _, k := range ks {
		all[k.Story]++
		if p == shelf.PeriodAll || !k.At.Before(since) {
			period[k.Story]++
		}
	}
	var ids []string
	for id := range period {
		ids = append(ids, id)
	}
	num := func(id string) uint64 { n, _ := shelf.ParseID("story", id); return n }
	slices.SortFunc(ids, func(a, b string) int {
		if c := cmp.Compare(period[b], period[a]); c != 0 {
			return c
		}
		if c := cmp.Compare(all[b], all[a]); c != 0 {
			return c
		}
		return cmp.Compare(num(b), num(a))
	})
	out := []string{}
	for _, id := range ids[:min(limit, len(ids))] {
		out = append(out, fmt.Sprintf("%s:%d", id, period[id]))
	}
	return out
}

// GotTop is s's /kudos top in WantTop's form; an error fails t.
func GotTop(t testing.TB, s shelf.Kudos, guild string, p shelf.Period, now time.Time, limit int) []string {
	t.Helper()
	top, err := s.TopKudos(t.Context(), guild, p, now, limit)
	if err != nil {
		t.Fatalf("TopKudos(%v, %v): %v", p, now, err)
	}
	out := []string{}
	for _, x := range top {
		out = append(out, fmt.Sprintf("%s:%d", x.ID, x.Count))
	}
	return out
}
