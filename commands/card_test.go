package commands

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"ficshelf/fic"
	"ficshelf/shelf"
)

// A card whose tags do not fit in a field counts the ones it leaves out,
// and never cuts a tag (or a spoilered warning) in the middle.
func TestCardFieldsCountWhatTheyLeaveOut(t *testing.T) {
	var tags, warnings []string
	for i := range 50 {
		tags = append(tags, fmt.Sprintf("%03d %s", i, strings.Repeat("t", 140)))
		warnings = append(warnings, fmt.Sprintf("Warning %02d %s", i, strings.Repeat("w", 60)))
	}
	rec := shelf.StoryRecord{ID: "1", Story: fic.Story{Title: "T", Tags: tags, Warnings: warnings, Rating: fic.RatingTeen}}
	e := storyCard(rec, cardOptions{})
	for _, name := range []string{"Tags", "Warnings"} {
		var v string
		for _, f := range e.Fields {
			if f.Name == name {
				v = f.Value
			}
		}
		if n := utf8.RuneCountInString(v); n > maxFieldValue || n == 0 {
			t.Fatalf("%s: %d characters", name, n)
		}
		i := strings.LastIndex(v, " +")
		more, err := strconv.Atoi(strings.TrimSuffix(v[i+2:], " more"))
		if i < 0 || err != nil || strings.Contains(v, "…") {
			t.Fatalf("%s: %q does not end with a count", name, v)
		}
		shown := strings.Count(v[:i], ", ") + 1
		if shown+more != 50 {
			t.Errorf("%s: %d shown + %d more, want 50 in all: %q", name, shown, more, v)
		}
		if name == "Warnings" && strings.Count(v[:i], "||")%2 != 0 {
			t.Errorf("a spoiler was cut: %q", v)
		}
	}
	if got := joinEscaped([]string{"a", "b_c"}, 25); got != `a, b\_c` {
		t.Errorf("joinEscaped of a short list: %q", got)
	}
	if got := joinEscaped([]string{"a", "b", "c"}, 2); got != "a, b +1 more" {
		t.Errorf("joinEscaped past max: %q", got)
	}
}

// A card with every list long still fits Discord's 6,000 characters by
// itself, each list counting what it leaves out.
func TestCardFitsAWholeEmbed(t *testing.T) {
	many := func(prefix string) []string {
		var out []string
		for i := range 40 {
			out = append(out, fmt.Sprintf("%s %02d %s", prefix, i, strings.Repeat("x", 100)))
		}
		return out
	}
	rec := shelf.StoryRecord{ID: "1", Story: fic.Story{Title: strings.Repeat("T", 300), Authors: many("author"), Rating: fic.RatingTeen,
		Summary: strings.Repeat("summary ", 400), Warnings: many("warning"), Fandoms: many("fandom"), Relationships: many("rel"),
		Characters: many("char"), Tags: many("tag")}}
	e := storyCard(rec, cardOptions{})
	if n := embedTextLen(e); n > maxCardText {
		t.Errorf("card holds %d characters", n)
	}
	for _, f := range e.Fields {
		if strings.Contains(f.Value, strings.Repeat("x", 100)) && !strings.HasSuffix(f.Value, " more") {
			t.Errorf("%s does not count what it leaves out: %.80q…", f.Name, f.Value)
		}
	}
	small := storyCard(shelf.StoryRecord{ID: "2", Story: fic.Story{Title: "T", Summary: "Short.", Tags: []string{"a", "b"}}}, cardOptions{})
	if small.Description != "Short." {
		t.Errorf("small card: %q", small.Description)
	}
}
