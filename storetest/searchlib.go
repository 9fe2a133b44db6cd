package storetest

import (
	"testing"
	"time"

	"ficshelf/fic"
	"ficshelf/shelf"
)

// AddSearchLibrary adds to guild the six stories the search cases read —
// titles and authors sharing words, with accents and a curly apostrophe
// — one a minute from at, added by by ("The Rose Garden" first, so it has
// the lowest ID). "Roses Are Red" gets kudos from givers[1] and [2], "A
// Garden of Roses" from givers[1]; givers needs three members.
func AddSearchLibrary(t testing.TB, s shelf.Store, guild, by string, givers []string, at time.Time) {
	t.Helper()
	lib := []struct {
		title   string
		authors []string
		kudos   int
	}{
		{"The Rose Garden", []string{"Mara Quill"}, 0},
		{"Roses Are Red", []string{"Tom Field"}, 2},
		{"A Garden of Roses", []string{"Rosalind Smith"}, 1},
		{"Pokémon Journey", []string{"Zoë Brontë"}, 0},
		{"Don’t Look Back", []string{"Eli Gray"}, 0},
		{"Winter", []string{"Ann Rose"}, 0},
	}
	for i, l := range lib {
		rec, err := s.AddStory(t.Context(), guild, &fic.Story{Title: l.title, Authors: l.authors}, nil, by, false, at.Add(time.Duration(i)*time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		for k := 0; k < l.kudos; k++ {
			if _, err := s.GiveKudos(t.Context(), guild, rec.ID, givers[k+1], at); err != nil {
				t.Fatalf("kudos on %q: %v", l.title, err)
			}
		}
	}
}
