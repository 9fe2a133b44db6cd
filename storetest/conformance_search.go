package storetest

import (
	"cmp"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"ficshelf/fic"
	"ficshelf/shelf"
)

// SearchStories (autocomplete) on a library big enough that engines may
// answer a broad prefix by walking stories most popular first: the
// answer must stay the contract's, checked against a brute-force ranking
// written from the contract's words alone.

func init() {
	cRegister(cTest{"Scale/SearchMatchesBruteForce", cScaleSearch})
}

// searchVocab is few words, so that one- and two-letter prefixes match
// thousands of titles; some share prefixes ("la…", "li…"), one is a
// prefix of another ("lamp", "lamplight"), and authors use some too.
var searchVocab = []string{"lantern", "lamp", "lamplight", "light", "harbor", "harbour", "copper", "crown",
	"tide", "the", "thorn", "winter", "ember", "a", "an", "glass"}

var searchAuthors = []string{"Anna Light", "Tom Harbor", "Lea Winter", "Crown Prince", "Ember", "Theo Glass"}

// searchStory is one story as the brute force ranks it.
type searchStory struct {
	id      string
	title   string
	authors []string
	kudos   int
	added   time.Time
}

// bruteSearch ranks every story by the contract: typed words matched
// (a word of the title or an author's name starting with it), the title's
// first word matched by the first typed word, typed words equal to a
// word, typed words matched in the title; then most kudos, newest,
// highest ID.
func bruteSearch(stories []searchStory, query string, limit int) []string {
	toks, limit := shelf.SearchQuery(query, limit)
	type scored struct {
		st                          searchStory
		matched, ts, exact, inTitle int
	}
	var all []scored
	for _, st := range stories {
		title := shelf.Tokens(st.title)
		var author []string
		for _, a := range st.authors {
			author = append(author, shelf.Tokens(a)...)
		}
		sc := scored{st: st}
		for ti, tok := range toks {
			m, e, it := false, false, false
			for wi, w := range title {
				if strings.HasPrefix(w, tok) {
					m, it = true, true
					e = e || w == tok
					if ti == 0 && wi == 0 {
						sc.ts = 1
					}
				}
			}
			for _, w := range author {
				if strings.HasPrefix(w, tok) {
					m = true
					e = e || w == tok
				}
			}
			for _, b := range []struct {
				on bool
				n  *int
			}{{m, &sc.matched}, {e, &sc.exact}, {it, &sc.inTitle}} {
				if b.on {
					*b.n++
				}
			}
		}
		if sc.matched > 0 {
			all = append(all, sc)
		}
	}
	idNum := func(id string) int { var n int; fmt.Sscan(id, &n); return n }
	slices.SortFunc(all, func(a, b scored) int {
		for _, c := range []int{b.matched - a.matched, b.ts - a.ts, b.exact - a.exact, b.inTitle - a.inTitle, b.st.kudos - a.st.kudos} {
			if c != 0 {
				return c
			}
		}
		if c := b.st.added.Compare(a.st.added); c != 0 {
			return c
		}
		return cmp.Compare(idNum(b.st.id), idNum(a.st.id))
	})
	out := []string{}
	for _, sc := range all[:min(limit, len(all))] {
		out = append(out, sc.st.id)
	}
	return out
}

// RunSearchScale runs Scale/SearchMatchesBruteForce alone, for an engine
// to check which of its paths answered.
func RunSearchScale(t *testing.T, open func(t testing.TB) shelf.Store) {
	t.Run("SearchMatchesBruteForce", func(t *testing.T) { cScaleSearch(t, open(t)) })
}

func cScaleSearch(t *testing.T, s shelf.Store) {
	r := rand.New(rand.NewPCG(17, 5))
	const n = 4000
	now := cT0.Add(100 * 24 * time.Hour)
	ld, err := s.Load(cCtx)
	if err != nil {
		t.Fatal(err)
	}
	defer ld.Rollback(cCtx)
	stories := make([]searchStory, 0, n)
	for i := range n {
		words := make([]string, 1+r.IntN(4))
		for j := range words {
			words[j] = searchVocab[r.IntN(len(searchVocab))]
		}
		words[0] = strings.ToUpper(words[0][:1]) + words[0][1:]
		st := searchStory{id: fmt.Sprint(i + 1), title: strings.Join(words, " "), kudos: 0,
			// Ties on added time for some: the ID decides.
			added: cT0.Add(time.Duration(i/3) * time.Minute)}
		if r.IntN(3) > 0 {
			st.authors = []string{searchAuthors[r.IntN(len(searchAuthors))]}
		}
		rec := shelf.StoryRecord{ID: st.id, GuildID: cGuildA, Story: fic.Story{Title: st.title, Authors: st.authors, Rating: fic.RatingGeneral},
			AddedBy: cAlice, AddedAt: st.added}
		if err := ld.Put(cCtx, cGuildA, shelf.Item{Story: &rec}); err != nil {
			t.Fatal(err)
		}
		stories = append(stories, st)
	}
	// Kudos: a few stories many, most none or one (ties on kudos).
	for i := range stories {
		k := 0
		switch u := r.IntN(100); {
		case u < 3:
			k = 5 + r.IntN(20)
		case u < 30:
			k = 1 + r.IntN(2)
		}
		for m := range k {
			if err := ld.Put(cCtx, cGuildA, shelf.Item{Kudo: &shelf.KudoItem{StoryID: stories[i].id, UserID: scaleUser(m), At: now}}); err != nil {
				t.Fatal(err)
			}
		}
		stories[i].kudos = k
	}
	if err := ld.Commit(cCtx); err != nil {
		t.Fatal(err)
	}

	queries := []string{"l", "la", "lam", "lamp", "lamplight", "t", "th", "the", "the l", "a", "an", "a l", "h", "harb",
		"harbor", "c", "cr", "light", "li", "w", "theo", "anna", "e", "em", "z", "la th", "t l h", "glass the", "gl"}
	for range 40 {
		var q []string
		for range 1 + r.IntN(3) {
			w := searchVocab[r.IntN(len(searchVocab))]
			q = append(q, w[:1+r.IntN(len(w))])
		}
		queries = append(queries, strings.Join(q, " "))
	}
	check := func(step string) {
		t.Helper()
		for _, q := range queries {
			for _, limit := range []int{25, 5} {
				refs, err := s.SearchStories(cCtx, cGuildA, q, limit)
				if err != nil {
					t.Fatalf("%s: search %q: %v", step, q, err)
				}
				got := []string{}
				for _, ref := range refs {
					got = append(got, ref.ID)
				}
				if want := bruteSearch(stories, q, limit); !slices.Equal(got, want) {
					t.Fatalf("%s: search %q (limit %d) = %v, want %v", step, q, limit, got, want)
				}
			}
		}
	}
	check("loaded")
	// Popularity moves: kudos on unpopular stories, stories removed.
	for range 300 {
		i := r.IntN(len(stories))
		u := scaleUser(100 + r.IntN(50))
		switch _, err := s.GiveKudos(cCtx, cGuildA, stories[i].id, u, now); {
		case err == nil:
			stories[i].kudos++
		case !errors.Is(err, shelf.ErrAlreadyGiven):
			t.Fatal(err)
		}
	}
	for range 100 {
		i := r.IntN(len(stories))
		if err := s.RemoveStory(cCtx, cGuildA, stories[i].id); err != nil {
			t.Fatal(err)
		}
		stories = slices.Delete(stories, i, i+1)
	}
	check("after kudos and removals")
}
