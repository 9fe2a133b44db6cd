package storetest

import (
	"cmp"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"ficshelf/fic"
	"ficshelf/shelf"
)

// Conformance cases for issue 17 ("big servers"): engines answer /kudos
// top, /story list and typed-title misses from indexes and counters kept
// beside the records, and these cases check that the answers stay exactly
// what a brute-force reading of the contract gives, on randomized
// libraries, across the writes that must keep those indexes in step
// (kudos given late or removed, stories updated and removed, members'
// data deleted) and for query times moving forward, jumping and going
// back.

func init() {
	cRegister(
		cTest{"Scale/TopKudosMatchesBruteForce", cScaleTopKudos},
		cTest{"Scale/ListStoriesMatchesBruteForce", cScaleListStories},
		cTest{"Scale/ResolveMissMatchesBruteForce", cScaleResolveMiss},
		cTest{"Scale/ListRecsMatchesBruteForce", cScaleListRecs},
	)
}

// scaleKudo is one kudos as the test gave it.
type scaleKudo struct {
	story, user string
	at          time.Time
}

// scaleUser is the i-th member of the randomized tests.
func scaleUser(i int) string { return strconv.Itoa(500000000000000000 + i) }

func cScaleTopKudos(t *testing.T, s shelf.Store) {
	r := rand.New(rand.NewPCG(17, 1))
	base := cT0.Add(60 * 24 * time.Hour)
	// Stories added a minute apart (the contract's last tie, newest, is
	// then always decisive).
	var stories []shelf.StoryRecord
	for i := range 40 {
		rec, err := s.AddStory(cCtx, cGuildA, Story(fmt.Sprintf("Top %02d", i)), nil, cAlice, false, cT0.Add(time.Duration(i)*time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		stories = append(stories, rec)
	}
	other := cAdd(t, s, cGuildB, Story("Elsewhere"))
	cKudos(t, s, cGuildB, other.ID, cBob, base)
	given := map[[2]string]scaleKudo{}
	give := func(n int, from, to time.Time) {
		for range n {
			st := stories[r.IntN(len(stories))]
			u := scaleUser(r.IntN(30))
			at := from.Add(time.Duration(r.Int64N(int64(to.Sub(from)))))
			if _, ok := given[[2]string{st.ID, u}]; ok {
				continue
			}
			cKudos(t, s, cGuildA, st.ID, u, at)
			given[[2]string{st.ID, u}] = scaleKudo{st.ID, u, at}
		}
	}
	give(300, base.Add(-50*24*time.Hour), base)
	added := map[string]time.Time{}
	for _, st := range stories {
		added[st.ID] = st.AddedAt
	}

	check := func(step string, now time.Time) {
		t.Helper()
		for _, p := range []shelf.Period{shelf.PeriodAll, shelf.PeriodWeek, shelf.PeriodMonth} {
			since := p.Since(now)
			count, all := map[string]int{}, map[string]int{}
			for _, k := range given {
				all[k.story]++
				if !k.at.Before(since) {
					count[k.story]++
				}
			}
			var want []string
			for id, n := range count {
				if n > 0 {
					want = append(want, id)
				}
			}
			slices.SortFunc(want, func(a, b string) int {
				if c := cmp.Compare(count[b], count[a]); c != 0 {
					return c
				}
				if c := cmp.Compare(all[b], all[a]); c != 0 {
					return c
				}
				return added[b].Compare(added[a])
			})
			for _, limit := range []int{0, 3} {
				n := limit
				if n == 0 {
					n = 10
				}
				top, err := s.TopKudos(cCtx, cGuildA, p, now, limit)
				if err != nil {
					t.Fatalf("%s: top %v: %v", step, p, err)
				}
				var got []string
				for _, ts := range top {
					got = append(got, ts.ID)
					if ts.Count != count[ts.ID] || ts.Kudos != all[ts.ID] {
						t.Errorf("%s: top %v: story %s count %d kudos %d, want %d and %d", step, p, ts.ID, ts.Count, ts.Kudos, count[ts.ID], all[ts.ID])
					}
					if ts.GuildID != cGuildA {
						t.Errorf("%s: top %v: story of guild %s", step, p, ts.GuildID)
					}
				}
				if w := want[:min(n, len(want))]; !slices.Equal(got, w) {
					t.Errorf("%s: top %v (limit %d) at %s = %v, want %v", step, p, limit, now.Format(time.RFC3339), got, w)
				}
			}
		}
	}

	// Forward in small steps, then a jump, then back in time.
	now := base
	for i := range 6 {
		check(fmt.Sprintf("forward %d", i), now)
		now = now.Add(time.Duration(3+r.IntN(20)) * time.Hour)
	}
	check("jump", base.Add(20*24*time.Hour))
	// Minutes apart, with kudos leaving the week and month between the
	// calls (an engine's counters may lag the query's start a little).
	jump := base.Add(20 * 24 * time.Hour)
	give(60, jump.Add(-7*24*time.Hour), jump.Add(-7*24*time.Hour+40*time.Minute))
	give(60, jump.AddDate(0, -1, 0), jump.AddDate(0, -1, 0).Add(40*time.Minute))
	for i := range 12 {
		check(fmt.Sprintf("minutes %d", i), jump.Add(time.Duration(i*3+r.IntN(3))*time.Minute))
	}
	check("back", base.Add(-3*24*time.Hour))
	check("back to the first", base)

	// Kudos given late (dated before the counters' start), kudos now.
	give(40, base.Add(-40*24*time.Hour), base.Add(-6*24*time.Hour))
	give(40, base.Add(-time.Hour), base.Add(2*time.Hour))
	check("late kudos", base.Add(time.Hour))
	check("late kudos, a week on", base.Add(8*24*time.Hour))

	// A member's data deleted: their kudos no longer count.
	gone := scaleUser(3)
	if err := s.DeleteMember(cCtx, cGuildA, gone); err != nil {
		t.Fatal(err)
	}
	for k, v := range given {
		if v.user == gone {
			delete(given, k)
		}
	}
	check("member deleted", base.Add(2*time.Hour))
	check("member deleted, earlier", base.Add(-10*24*time.Hour))

	// Stories removed, and one updated (kudos and time added stay).
	removed := map[string]bool{}
	for _, st := range stories[:8] {
		if err := s.RemoveStory(cCtx, cGuildA, st.ID); err != nil {
			t.Fatal(err)
		}
		removed[st.ID] = true
	}
	for k, v := range given {
		if removed[v.story] {
			delete(given, k)
		}
	}
	if _, err := s.UpdateStory(cCtx, cGuildA, stories[10].ID, Story("Top ten, renamed"), nil, base); err != nil {
		t.Fatal(err)
	}
	check("stories removed", base.Add(3*time.Hour))
	check("stories removed, a month on", base.Add(31*24*time.Hour))

	// The other guild kept its own.
	top, err := s.TopKudos(cCtx, cGuildB, shelf.PeriodWeek, base, 0)
	if err != nil || len(top) != 1 || top[0].ID != other.ID || top[0].Count != 1 {
		t.Errorf("guild B's week = %+v, %v; want its one story once", top, err)
	}
}

func cScaleListStories(t *testing.T, s shelf.Store) {
	r := rand.New(rand.NewPCG(17, 2))
	fandoms := []string{"Good Omens", "Stargate SG-1", "Stargate Atlantis", "Les Misérables", "The Hobbit", "Hobbit Films"}
	tags := []string{"Fluff", "Angst", "Hurt/Comfort", "Slow Burn", "Alternate Universe - Coffee Shop", "Aziraphale/Crowley", "Crowley", "Gen", "F/M", "Fluffy Angst"}
	ratings := []fic.Rating{fic.RatingGeneral, fic.RatingTeen, fic.RatingMature, fic.RatingExplicit, fic.RatingNotRated}
	words := []string{"Alpha", "beta", "Émile", "gamma", "delta", "Zeta", "eta", "theta"}
	pick := func(pool []string, n int) []string {
		var out []string
		for _, i := range r.Perm(len(pool))[:n] {
			out = append(out, pool[i])
		}
		return out
	}
	type known struct {
		rec   shelf.StoryRecord
		kudos int
	}
	lib := map[string]*known{}
	newStory := func(i int) *fic.Story {
		st := &fic.Story{
			Title:   words[r.IntN(len(words))] + " " + words[r.IntN(len(words))] + fmt.Sprintf(" %d", r.IntN(5)),
			Authors: []string{"quill"},
			Fandoms: pick(fandoms, 1+r.IntN(2)),
			Rating:  ratings[r.IntN(len(ratings))],
			Words:   1000 * (1 + r.IntN(8)), // ties on purpose
		}
		st.Tags = pick(tags, r.IntN(3))
		if r.IntN(3) == 0 {
			st.Relationships = []string{"Aziraphale/Crowley"}
		}
		if r.IntN(4) == 0 {
			st.Characters = []string{"Crowley (Good Omens)"}
		}
		if r.IntN(5) == 0 {
			st.Categories = []string{"M/M"}
		}
		return st
	}
	for i := range 70 {
		// Some stories share their time added: ties end on the story ID.
		at := cT0.Add(time.Duration(i/2) * time.Minute)
		rec, err := s.AddStory(cCtx, cGuildA, newStory(i), nil, cAlice, false, at)
		if err != nil {
			t.Fatal(err)
		}
		lib[rec.ID] = &known{rec: rec}
	}
	cAdd(t, s, cGuildB, &fic.Story{Title: "Alpha Other", Fandoms: []string{"Good Omens"}, Rating: fic.RatingGeneral, Words: 1})
	var ids []string
	for id := range lib {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for range 150 {
		id := ids[r.IntN(len(ids))]
		if _, err := s.GiveKudos(cCtx, cGuildA, id, scaleUser(r.IntN(40)), cT0); err == nil {
			lib[id].kudos++
		}
	}

	idNum := func(id string) uint64 { n, _ := strconv.ParseUint(id, 10, 64); return n }
	anyHas := func(list []string, sub string) bool {
		for _, x := range list {
			if strings.Contains(shelf.FoldString(x), sub) {
				return true
			}
		}
		return false
	}
	brute := func(q shelf.ListQuery) ([]string, int) {
		var out []*known
		fandom, tag := shelf.FoldString(q.Fandom), shelf.FoldString(q.Tag)
		for _, k := range lib {
			st := k.rec.Story
			if q.Rating != "" {
				rt, _ := fic.ParseRating(q.Rating)
				if st.Rating != rt {
					continue
				}
			}
			if fandom != "" && !anyHas(st.Fandoms, fandom) {
				continue
			}
			if tag != "" && !anyHas(slices.Concat(st.Tags, st.Relationships, st.Characters, st.Categories), tag) {
				continue
			}
			out = append(out, k)
		}
		newer := func(a, b *known) int {
			if c := b.rec.AddedAt.Compare(a.rec.AddedAt); c != 0 {
				return c
			}
			return cmp.Compare(idNum(b.rec.ID), idNum(a.rec.ID))
		}
		slices.SortFunc(out, func(a, b *known) int {
			var c int
			switch q.Sort {
			case shelf.SortKudos:
				c = cmp.Compare(b.kudos, a.kudos)
			case shelf.SortTitle:
				c = strings.Compare(shelf.FoldString(a.rec.Story.Title), shelf.FoldString(b.rec.Story.Title))
			case shelf.SortWords:
				c = cmp.Compare(b.rec.Story.Words, a.rec.Story.Words)
			}
			if c != 0 {
				return c
			}
			return newer(a, b)
		})
		limit := q.Limit
		if limit <= 0 {
			limit = 10
		}
		var page []string
		for _, k := range out[min(q.Offset, len(out)):min(q.Offset+limit, len(out))] {
			page = append(page, k.rec.ID)
		}
		return page, len(out)
	}
	queries := func() []shelf.ListQuery {
		var qs []shelf.ListQuery
		for _, sort := range []shelf.Sort{"", shelf.SortNewest, shelf.SortKudos, shelf.SortTitle, shelf.SortWords} {
			for _, f := range []shelf.ListQuery{
				{}, {Fandom: "stargate"}, {Fandom: "HOBBIT"}, {Fandom: "miserables"}, {Fandom: "o"}, {Fandom: "no such fandom"},
				{Tag: "crowley"}, {Tag: "fluff"}, {Tag: "m/m"}, {Tag: "coffee"},
				{Rating: "teen"}, {Rating: "explicit", Tag: "angst"}, {Fandom: "good", Tag: "aziraphale", Rating: "general"},
			} {
				for _, pg := range [][2]int{{0, 0}, {0, 5}, {5, 5}, {10, 7}, {60, 10}, {200, 10}} {
					q := f
					q.Sort, q.Offset, q.Limit = sort, pg[0], pg[1]
					qs = append(qs, q)
				}
			}
		}
		return qs
	}
	check := func(step string) {
		t.Helper()
		bad := 0
		for _, q := range queries() {
			page, total, err := s.ListStories(cCtx, cGuildA, q)
			if err != nil {
				t.Fatalf("%s: %+v: %v", step, q, err)
			}
			var got []string
			for _, rec := range page {
				got = append(got, rec.ID)
				if k := lib[rec.ID]; k == nil || rec.Kudos != k.kudos || rec.GuildID != cGuildA {
					t.Errorf("%s: %+v: story %s (guild %s, %d kudos) is not as stored", step, q, rec.ID, rec.GuildID, rec.Kudos)
				}
			}
			want, wantTotal := brute(q)
			if !slices.Equal(got, want) || total != wantTotal {
				if bad++; bad <= 5 {
					t.Errorf("%s: %+v = %v (total %d), want %v (total %d)", step, q, got, total, want, wantTotal)
				}
			}
		}
	}
	check("added")

	// Updates change fandoms, tags, rating, words and title; removals and
	// kudos taken back by a member's deletion must leave no trace.
	for _, id := range ids[:15] {
		rec, err := s.UpdateStory(cCtx, cGuildA, id, newStory(0), nil, cT0)
		if err != nil {
			t.Fatal(err)
		}
		lib[id].rec = rec
	}
	for _, id := range ids[20:30] {
		if err := s.RemoveStory(cCtx, cGuildA, id); err != nil {
			t.Fatal(err)
		}
		delete(lib, id)
	}
	for _, u := range []string{scaleUser(1), scaleUser(2)} {
		if err := s.DeleteMember(cCtx, cGuildA, u); err != nil {
			t.Fatal(err)
		}
	}
	for id, k := range lib {
		rec, err := s.Story(cCtx, cGuildA, id)
		if err != nil {
			t.Fatal(err)
		}
		k.kudos = rec.Kudos
	}
	check("after updates, removals and deletions")
}

func cScaleResolveMiss(t *testing.T, s shelf.Store) {
	r := rand.New(rand.NewPCG(17, 3))
	syll := []string{"ka", "lo", "mi", "ne", "ru", "sha", "to", "vel", "dor", "an", "the ", "of ", "star", "moon"}
	type titled struct{ id, fold string }
	var lib []titled
	for range 120 {
		var b strings.Builder
		for range 2 + r.IntN(6) {
			b.WriteString(syll[r.IntN(len(syll))])
		}
		title := strings.TrimSpace(b.String())
		if title == "" {
			continue
		}
		rec := cAdd(t, s, cGuildA, Story(strings.ToUpper(title[:1])+title[1:]))
		lib = append(lib, titled{rec.ID, shelf.FoldString(rec.Story.Title)})
	}
	cAdd(t, s, cGuildB, Story("Zzyzx road"))
	idNum := func(id string) uint64 { n, _ := strconv.ParseUint(id, 10, 64); return n }
	inputs := []string{"zzyzx", "qqq", "kalo mine", "moonstar", "the star of", "shavel dorr", "x", "ve", "rukami", "lomi ne ru ka", "Mîne"}
	for range 30 {
		var b strings.Builder
		for range 1 + r.IntN(4) {
			b.WriteString(syll[r.IntN(len(syll))])
		}
		w := []rune(b.String())
		if len(w) > 2 { // a typo
			i := r.IntN(len(w))
			w[i] = rune('a' + r.IntN(26))
		}
		inputs = append(inputs, string(w))
	}
	checked := 0
	for _, in := range inputs {
		folded := shelf.FoldString(in)
		hit := false
		for _, x := range lib {
			if strings.HasPrefix(x.fold, folded) {
				hit = true
			}
		}
		if hit || folded == "" {
			continue // an exact or prefix match: not a miss
		}
		checked++
		ranked := slices.Clone(lib)
		slices.SortStableFunc(ranked, func(a, b titled) int {
			if c := cmp.Compare(shelf.TitleDistance(folded, a.fold), shelf.TitleDistance(folded, b.fold)); c != 0 {
				return c
			}
			return cmp.Compare(idNum(a.id), idNum(b.id))
		})
		var want []string
		for _, x := range ranked[:5] {
			want = append(want, x.id)
		}
		_, err := s.ResolveStory(cCtx, cGuildA, in)
		var re *shelf.ResolveError
		if !errors.As(err, &re) || re.Ambiguous || !errors.Is(err, shelf.ErrNotFound) {
			t.Errorf("resolve %q: %v, want a not-found *ResolveError", in, err)
			continue
		}
		var got []string
		for _, sg := range re.Suggestions {
			got = append(got, sg.ID)
		}
		if !slices.Equal(got, want) {
			t.Errorf("resolve %q: suggestions %v, want %v", in, got, want)
		}
	}
	if checked < 20 {
		t.Fatalf("only %d inputs were misses: the test checks too little", checked)
	}
}

func cScaleListRecs(t *testing.T, s shelf.Store) {
	r := rand.New(rand.NewPCG(17, 4))
	fandoms := []string{"Good Omens", "Stargate SG-1", "Stargate Atlantis", "Les Misérables"}
	type known struct {
		story *shelf.StoryRecord
		rec   shelf.Rec
	}
	var stories []shelf.StoryRecord
	for i := range 12 {
		st := Story(fmt.Sprintf("Rec story %d", i))
		st.Fandoms = []string{fandoms[i%len(fandoms)]}
		if i%3 == 0 {
			st.Fandoms = append(st.Fandoms, fandoms[(i+1)%len(fandoms)])
		}
		stories = append(stories, cAdd(t, s, cGuildA, st))
	}
	other := cAdd(t, s, cGuildB, &fic.Story{Title: "Elsewhere", Fandoms: []string{"Good Omens"}})
	if _, err := s.AddRec(cCtx, cGuildB, shelf.Rec{StoryID: other.ID, UserID: cAlice, Why: "b", At: cT0, ChannelID: cChanA, MessageID: "1", ThreadID: "2"}); err != nil {
		t.Fatal(err)
	}
	var recs []known // oldest first
	users := []string{cAlice, cBob, cCarol}
	for i := range 60 {
		st := &stories[r.IntN(len(stories))]
		rec, err := s.AddRec(cCtx, cGuildA, shelf.Rec{StoryID: st.ID, UserID: users[r.IntN(len(users))], Why: fmt.Sprint("why ", i),
			At: cT0.Add(time.Duration(i) * time.Minute), ChannelID: cChanA, MessageID: strconv.Itoa(600 + i), ThreadID: strconv.Itoa(900 + i)})
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, known{st, rec})
	}
	check := func(step string) {
		t.Helper()
		for _, user := range []string{"", cBob} {
			for _, fandom := range []string{"", "stargate", "MISERABLES", "omens", "nothing"} {
				for _, pg := range [][2]int{{0, 0}, {0, 7}, {7, 7}, {40, 10}, {100, 10}} {
					q := shelf.RecQuery{UserID: user, Fandom: fandom, Offset: pg[0], Limit: pg[1]}
					var want []string
					for i := len(recs) - 1; i >= 0; i-- {
						k := recs[i]
						if user != "" && k.rec.UserID != user {
							continue
						}
						if fandom != "" && !slices.ContainsFunc(k.story.Story.Fandoms, func(f string) bool {
							return strings.Contains(shelf.FoldString(f), shelf.FoldString(fandom))
						}) {
							continue
						}
						want = append(want, k.rec.ID)
					}
					total := len(want)
					limit := q.Limit
					if limit == 0 {
						limit = 10
					}
					want = want[min(q.Offset, len(want)):min(q.Offset+limit, len(want))]
					page, n, err := s.ListRecs(cCtx, cGuildA, q)
					if err != nil {
						t.Fatalf("%s: %+v: %v", step, q, err)
					}
					var got []string
					for _, rc := range page {
						got = append(got, rc.ID)
						if rc.StoryTitle == "" {
							t.Errorf("%s: %+v: rec %s without its story's title", step, q, rc.ID)
						}
					}
					if !slices.Equal(got, want) || n != total {
						t.Errorf("%s: %+v = %v (total %d), want %v (total %d)", step, q, got, n, want, total)
					}
				}
			}
		}
	}
	check("added")
	for _, st := range stories[:3] {
		if err := s.RemoveStory(cCtx, cGuildA, st.ID); err != nil {
			t.Fatal(err)
		}
		recs = slices.DeleteFunc(recs, func(k known) bool { return k.story.ID == st.ID })
	}
	check("stories removed")
}
