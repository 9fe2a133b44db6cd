package storetest

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"ficshelf/fic"
	"ficshelf/shelf"
)

// Cases written with PostgreSQL's issue-17 indexes (per-period counters,
// per-sort indexes, facet tables): whatever an engine keeps to answer
// without reading a whole server, its answers stay exactly what the
// contract says.
func init() {
	cRegister(
		cTest{"Kudos/TopExactForAnyNow", cTopExactForAnyNow},
		cTest{"Stories/ListEveryPageExact", cListEveryPageExact},
	)
}

// cTopExactForAnyNow: week, month and all-time tops match the kudos given
// for nows that go forward, back and stay, with kudos given late (dated in
// the past), after a member's data is deleted and a story removed, and
// another server's kudos never count.
func cTopExactForAnyNow(t *testing.T, s shelf.Store) {
	rng := rand.New(rand.NewPCG(17, 11))
	base := time.Date(2026, 1, 10, 12, 0, 0, 0, time.UTC)
	var ids []string
	for i := range 8 {
		ids = append(ids, AddAt(t, s, cGuildA, cDave, false, base.Add(time.Duration(i)*time.Minute), Story(fmt.Sprintf("Top %d", i))).ID)
	}
	other := AddAt(t, s, cGuildB, cDave, false, base, Story("Elsewhere")).ID
	users := []string{cAlice, cBob, cCarol, "300000000000000010", "300000000000000011", "300000000000000012"}
	var ks []Kudo
	now := base
	for step := range 24 {
		now = now.Add(time.Duration(rng.IntN(96)) * time.Hour)
		for range 3 {
			k := Kudo{Story: ids[rng.IntN(len(ids))], User: users[rng.IntN(len(users))], At: now.Add(-time.Duration(rng.IntN(40*24)) * time.Hour)}
			if _, err := s.GiveKudos(t.Context(), cGuildA, k.Story, k.User, k.At); err == nil {
				ks = append(ks, k)
			}
			_, _ = s.GiveKudos(t.Context(), cGuildB, other, k.User, k.At)
		}
		for _, p := range []shelf.Period{shelf.PeriodWeek, shelf.PeriodMonth, shelf.PeriodAll} {
			for _, at := range []time.Time{now, now.Add(-time.Duration(rng.IntN(20*24)) * time.Hour), now} {
				if got, want := GotTop(t, s, cGuildA, p, at, 5), WantTop(ks, p, at, 5); !slices.Equal(got, want) {
					t.Fatalf("step %d: %v top at %v = %v, want %v", step, p, at, got, want)
				}
			}
		}
		if step == 12 {
			if err := s.DeleteMember(t.Context(), cGuildA, cBob); err != nil {
				t.Fatal(err)
			}
			ks = slices.DeleteFunc(ks, func(k Kudo) bool { return k.User == cBob })
			gone := ids[2]
			if err := s.RemoveStory(t.Context(), cGuildA, gone); err != nil {
				t.Fatal(err)
			}
			ks = slices.DeleteFunc(ks, func(k Kudo) bool { return k.Story == gone })
			ids = slices.Delete(ids, 2, 3)
		}
	}
}

// cListEveryPageExact: every page of /story list, for each sort and with
// substring filters on fandoms and tags (several values matching, case
// folded, values since changed by an update), holds exactly the stories
// the contract orders there, with the same total.
func cListEveryPageExact(t *testing.T, s shelf.Store) {
	type row struct {
		rec                    shelf.StoryRecord
		fandoms, tags          []string
		title                  string
		words, kudos, position int
	}
	fandoms := []string{"Lanternfall", "The Lantern Keepers", "Orchard Street", "Saltwater Academy"}
	tags := []string{"Slow Burn", "Found Family", "Slow Healing", "Angst"}
	base := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	var rows []*row
	for i := range 23 {
		st := Story(fmt.Sprintf("%c story %d", 'A'+(i*7)%26, i))
		st.Fandoms = []string{fandoms[i%4]}
		if i%5 == 0 {
			st.Fandoms = append(st.Fandoms, fandoms[(i+1)%4])
		}
		st.Tags = []string{tags[i%4], tags[(i/4)%4]}
		st.Words = 1000 * ((i * 37) % 11)
		st.Rating = []fic.Rating{fic.RatingGeneral, fic.RatingTeen, fic.RatingMature}[i%3]
		rec := AddAt(t, s, cGuildA, cDave, false, base.Add(time.Duration(i/2)*time.Hour), st) // pairs share a time: ties by ID
		rows = append(rows, &row{rec: rec, fandoms: st.Fandoms, tags: st.Tags, title: st.Title, words: st.Words, position: i})
	}
	// An update moves one story out of "Orchard" and into "Lantern".
	upd := rows[2]
	st := Story(upd.title)
	st.Fandoms, st.Tags, st.Words, st.Rating = []string{"Lanterns Abroad"}, upd.tags, upd.words, fic.RatingMature
	if _, err := s.UpdateStory(t.Context(), cGuildA, upd.rec.ID, st, nil, base); err != nil {
		t.Fatal(err)
	}
	upd.fandoms = st.Fandoms
	for i, r := range rows {
		for u := range i % 4 {
			if _, err := s.GiveKudos(t.Context(), cGuildA, r.rec.ID, []string{cAlice, cBob, cCarol}[u], base); err == nil {
				r.kudos++
			}
		}
	}
	AddAt(t, s, cGuildB, cDave, false, base, Story("Other server's lantern")) // never listed in A
	has := func(vals []string, q string) bool {
		if q == "" {
			return true
		}
		return slices.ContainsFunc(vals, func(v string) bool { return strings.Contains(shelf.FoldString(v), shelf.FoldString(q)) })
	}
	newest := func(a, b *row) int {
		if c := cmp.Compare(b.position/2, a.position/2); c != 0 {
			return c
		}
		return cmp.Compare(b.position, a.position)
	}
	for _, q := range []shelf.ListQuery{{}, {Fandom: "LANTERN"}, {Fandom: "street"}, {Tag: "slow"}, {Fandom: "lantern", Tag: "angst"}, {Rating: "mature", Tag: "family"}, {Fandom: "no such"}} {
		for _, sort := range []shelf.Sort{shelf.SortNewest, shelf.SortKudos, shelf.SortTitle, shelf.SortWords} {
			var want []*row
			for _, r := range rows {
				if has(r.fandoms, q.Fandom) && has(r.tags, q.Tag) && (q.Rating == "" || r == rows[2] || r.position%3 == 2) {
					want = append(want, r)
				}
			}
			slices.SortFunc(want, func(a, b *row) int {
				var c int
				switch sort {
				case shelf.SortKudos:
					c = cmp.Compare(b.kudos, a.kudos)
				case shelf.SortTitle:
					c = cmp.Compare(shelf.FoldString(a.title), shelf.FoldString(b.title))
				case shelf.SortWords:
					c = cmp.Compare(b.words, a.words)
				}
				if c != 0 {
					return c
				}
				return newest(a, b)
			})
			for off := 0; off <= len(want)+5; off += 5 {
				q := q
				q.Sort, q.Offset, q.Limit = sort, off, 5
				page, total, err := s.ListStories(t.Context(), cGuildA, q)
				if err != nil {
					t.Fatal(err)
				}
				var got, exp []string
				for _, r := range page {
					got = append(got, r.ID)
				}
				for _, r := range want[min(off, len(want)):min(off+5, len(want))] {
					exp = append(exp, r.rec.ID)
				}
				if total != len(want) || !slices.Equal(got, exp) {
					t.Fatalf("%+v: page %v of %d, want %v of %d", q, got, total, exp, len(want))
				}
			}
		}
	}
}
