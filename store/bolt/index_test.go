package bolt_test

import (
	"fmt"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"ficshelf/fic"
	"ficshelf/shelf"
	"ficshelf/store/bolt"
)

func titles(refs []shelf.StoryRef) []string {
	out := []string{}
	for _, r := range refs {
		out = append(out, r.Title)
	}
	return out
}

func TestSearchStories(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.db")
	s := openTestPath(t, path)
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
	users := []string{alice, bob, carol}
	for i, l := range lib {
		st := &fic.Story{Title: l.title, Authors: l.authors}
		rec, err := s.AddStory(ctx, guildA, st, nil, alice, false, t0.Add(time.Duration(i)*time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		for k := 0; k < l.kudos; k++ {
			if _, err := s.GiveKudos(ctx, guildA, rec.ID, users[k+1], t0); err != nil {
				t.Fatal(err)
			}
		}
	}
	tests := []struct {
		q    string
		want []string
	}{
		// Every word matched first; then title start; then whole words; then title over author; then kudos.
		{"rose", []string{"Roses Are Red", "The Rose Garden", "Winter", "A Garden of Roses"}},
		{"roses", []string{"Roses Are Red", "A Garden of Roses"}},
		{"garden rose", []string{"The Rose Garden", "A Garden of Roses", "Winter", "Roses Are Red"}},
		{"ROS GAR", []string{"A Garden of Roses", "The Rose Garden", "Roses Are Red", "Winter"}},
		{"pokemon", []string{"Pokémon Journey"}},
		{"bronte", []string{"Pokémon Journey"}},
		{"dont", []string{"Don’t Look Back"}},
		{"don't lo", []string{"Don’t Look Back"}},
		{"quill", []string{"The Rose Garden"}},
		{"zzz", []string{}},
		// Empty: most kudos, then newest.
		{"", []string{"Roses Are Red", "A Garden of Roses", "Winter", "Don’t Look Back", "Pokémon Journey", "The Rose Garden"}},
		{"  ", []string{"Roses Are Red", "A Garden of Roses", "Winter", "Don’t Look Back", "Pokémon Journey", "The Rose Garden"}},
	}
	check := func(s *bolt.Store) {
		for _, tt := range tests {
			got, err := s.SearchStories(ctx, guildA, tt.q, 25)
			if err != nil || !reflect.DeepEqual(titles(got), tt.want) {
				t.Errorf("SearchStories(%q) = %q, %v; want %q", tt.q, titles(got), err, tt.want)
			}
		}
		if got, _ := s.SearchStories(ctx, guildA, "", 2); len(got) != 2 {
			t.Errorf("limit 2: %d results", len(got))
		}
		if got, _ := s.SearchStories(ctx, guildB, "rose", 25); len(got) != 0 {
			t.Errorf("guild B sees %v", titles(got))
		}
	}
	check(s)
	// The index is rebuilt from the file at Open.
	s.Close()
	check(openTestPath(t, path))
}

func TestSearchStoriesCapsAt25(t *testing.T) {
	s := openTest(t)
	for i := 0; i < 40; i++ {
		add(t, s, guildA, &fic.Story{Title: fmt.Sprintf("Story %d", i)})
	}
	for _, limit := range []int{0, 25, 100, -1} {
		got, err := s.SearchStories(ctx, guildA, "story", limit)
		if err != nil || len(got) != 25 {
			t.Errorf("limit %d: %d results, %v", limit, len(got), err)
		}
	}
}
