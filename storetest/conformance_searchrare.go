package storetest

import (
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

// SearchStories where a short prefix's best rank is rare: "o" is in most
// titles ("Harbor of the Tide") but starts few of them, and those few are
// the least popular, so that an engine walking stories most popular first
// meets them late. The answer must still be the brute force's.

func init() {
	cRegister(cTest{"Scale/SearchRareTitleStart", cScaleSearchRare})
}

// rareNouns start no title with "o"; rareStarts are the few title starts
// that do ("Of" equals a common word, "O" equals a typed one, "Oak" is a
// prefix of "Oaken").
var (
	rareNouns  = []string{"Harbor", "Lantern", "Crown", "Tide", "Winter", "Ember", "Glass", "Thorn", "Copper"}
	rareStarts = []string{"Orchard", "Oak", "Oaken", "Of", "O", "Olive", "Ode"}
	rareAuthor = []string{"Olive Stone", "Tom Harbor", "Otto", "Ember"}
)

// RunSearchRare runs Scale/SearchRareTitleStart alone, for an engine to
// check which of its paths answered: observe is called after each search
// with its query and limit.
func RunSearchRare(t *testing.T, open func(t testing.TB) shelf.Store, observe func(t *testing.T, query string, limit int)) {
	t.Run("SearchRareTitleStart", func(t *testing.T) { searchRare(t, open(t), observe) })
}

func cScaleSearchRare(t *testing.T, s shelf.Store) { searchRare(t, s, nil) }

// rareStory is the i-th story of the rare-start library: one in about
// every 250 starts with "o" (and has no kudos, or one), one in 250 holds the
// word "o" inside (and no kudos); most others read "<noun> of the <noun>"
// and get most of the kudos.
func rareStory(r *rand.Rand, i int) searchStory {
	noun := func() string { return rareNouns[r.IntN(len(rareNouns))] }
	st := searchStory{id: fmt.Sprint(i + 1),
		// Ties on added time for some: the ID decides.
		added: cT0.Add(time.Duration(i/3) * time.Minute)}
	switch u := r.IntN(250); {
	case u == 0:
		st.title = rareStarts[r.IntN(len(rareStarts))] + " " + noun()
		st.kudos = r.IntN(2)
	case u == 1:
		st.title = noun() + " o " + noun()
	case u < 215:
		st.title = noun() + " of the " + noun()
		st.kudos = 1 + r.IntN(8)
	default:
		st.title = "The " + noun() + " " + noun()
		st.kudos = r.IntN(4)
	}
	if r.IntN(4) == 0 {
		st.authors = []string{rareAuthor[r.IntN(len(rareAuthor))]}
	}
	return st
}

func searchRare(t *testing.T, s shelf.Store, observe func(t *testing.T, query string, limit int)) {
	r := rand.New(rand.NewPCG(23, 9))
	const n = 4000
	now := cT0.Add(100 * 24 * time.Hour)
	stories := make([]searchStory, n)
	for i := range stories {
		stories[i] = rareStory(r, i)
	}
	loadSearchStories(t, s, stories, now)

	queries := []string{"o", "oa", "oak", "oake", "or", "od", "ol", "of", "of the", "o t", "o h", "oak h", "o o",
		"of o", "t o", "h o", "the o", "ot", "o c", "olive", "o x", "oz", "orchard tide"}
	for range 30 {
		var q []string
		for range 1 + r.IntN(3) {
			w := strings.ToLower(append(append([]string{}, rareNouns...), rareStarts...)[r.IntN(len(rareNouns)+len(rareStarts))])
			q = append(q, w[:1+r.IntN(len(w))])
		}
		queries = append(queries, strings.Join(q, " "))
	}
	check := func(step string) {
		t.Helper()
		for _, q := range queries {
			for _, limit := range []int{25, 5, 1} {
				refs, err := s.SearchStories(cCtx, cGuildA, q, limit)
				if err != nil {
					t.Fatalf("%s: search %q: %v", step, q, err)
				}
				if observe != nil {
					observe(t, q, limit)
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
	// Kudos on the rare starts (ties among them move), stories removed.
	for i := range stories {
		if strings.HasPrefix(strings.ToLower(stories[i].title), "o") && r.IntN(2) == 0 {
			switch _, err := s.GiveKudos(cCtx, cGuildA, stories[i].id, scaleUser(200+r.IntN(3)), now); {
			case err == nil:
				stories[i].kudos++
			case !errors.Is(err, shelf.ErrAlreadyGiven):
				t.Fatal(err)
			}
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

// loadSearchStories bulk-loads stories into guild A, each with its kudos
// (given at now by distinct members).
func loadSearchStories(t *testing.T, s shelf.Store, stories []searchStory, now time.Time) {
	t.Helper()
	ld, err := s.Load(cCtx)
	if err != nil {
		t.Fatal(err)
	}
	defer ld.Rollback(cCtx)
	for _, st := range stories {
		rec := shelf.StoryRecord{ID: st.id, GuildID: cGuildA, Story: fic.Story{Title: st.title, Authors: st.authors, Rating: fic.RatingGeneral},
			AddedBy: cAlice, AddedAt: st.added}
		if err := ld.Put(cCtx, cGuildA, shelf.Item{Story: &rec}); err != nil {
			t.Fatal(err)
		}
	}
	for _, st := range stories {
		for m := range st.kudos {
			if err := ld.Put(cCtx, cGuildA, shelf.Item{Kudo: &shelf.KudoItem{StoryID: st.id, UserID: scaleUser(m), At: now}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := ld.Commit(cCtx); err != nil {
		t.Fatal(err)
	}
}
