package commands

import (
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"

	"ficshelf/fic"
	"ficshelf/fic/passage"
	"ficshelf/shelf"
	"ficshelf/storetest"
)

// A chapter made only of scene breaks gives no passage: asked for, it gets
// a sentence; picked at random, another chapter is taken; a story with no
// prose at all gets a sentence. Nothing posts an empty embed.
func TestExcerptOfAChapterOfSceneBreaks(t *testing.T) {
	st := storetest.Open(t)
	r := excerptRouter(t, st)
	// "o0o" counts as a word, so the breaks weigh the most when a random
	// chapter is picked by words.
	breaks := strings.Repeat("o0o\n\n* * *\n\n", 200) + "o0o"
	s := &fic.Story{Title: "Breaks First", Rating: fic.RatingGeneral, Chapters: []fic.Chapter{
		{Text: breaks},
		{Text: "The lamps were lit at dusk. Nobody came down to the harbour that night."},
	}}
	rec := storetest.AddText(t, st, testGuild, "501", s)
	if rec.Chapters[0].Words <= rec.Chapters[1].Words {
		t.Fatalf("chapter words %+v: the breaks should weigh more", rec.Chapters)
	}
	resp := handle(t, r, excerptSlash("502", strOpt("story", rec.ID), intOpt("chapter", 1)))
	if resp.Data.Flags&discordgo.MessageFlagsEphemeral == 0 || len(resp.Data.Embeds) != 0 || !strings.Contains(resp.Data.Content, "Chapter 1 of **Breaks First** has no prose to quote") {
		t.Errorf("chapter of breaks: %+v", resp.Data)
	}
	for range 20 {
		for _, i := range []*discordgo.Interaction{
			excerptSlash("502", strOpt("story", rec.ID)),
			click("502", plainChannel, CustomID(routeExcerptOf, rec.ID)),
		} {
			resp := handle(t, r, i)
			if len(resp.Data.Embeds) != 1 || !strings.Contains(resp.Data.Embeds[0].Description, "lamps") || !strings.Contains(resp.Data.Embeds[0].Footer.Text, "Chapter 2 of 2") {
				t.Fatalf("random excerpt: %+v", resp.Data)
			}
		}
	}

	only := &fic.Story{Title: "Only Breaks", Rating: fic.RatingGeneral, Chapters: []fic.Chapter{{Text: breaks}, {Text: "~~~"}}}
	onlyRec := storetest.AddText(t, st, testGuild, "501", only)
	resp = handle(t, r, excerptSlash("502", strOpt("story", onlyRec.ID)))
	if resp.Data.Flags&discordgo.MessageFlagsEphemeral == 0 || len(resp.Data.Embeds) != 0 || !strings.Contains(resp.Data.Content, "**Only Breaks** has no prose to quote") {
		t.Errorf("story of breaks: %+v", resp.Data)
	}
}

// The footer names the sentences a passage shows, and which of them only
// in part: a passage can show whole sentences before or after a cut one.
func TestExcerptFooterSaysWhichSentencesAreWhole(t *testing.T) {
	var text string
	var idx passage.Index
	var footer func(p passage.Passage) string
	seen := map[string]bool{}
	for _, reps := range []int{30, 11} {
		long := "And " + strings.TrimSpace(strings.Repeat("the river ran on past the lamps and ", reps)) + " on."
		text = "It was late. The fog came in. " + long + " She rowed home. The end came quietly."
		idx = passage.Segment(text)
		if idx.Len() != 5 {
			t.Fatalf("%d sentences, want 5", idx.Len())
		}
		rec := shelf.StoryRecord{ID: "1", Story: fic.Story{Title: "T"}, Chapters: []shelf.ChapterInfo{{Words: fic.CountWords(text)}}}
		ch := shelf.ChapterRecord{Number: 1, Chapter: fic.Chapter{Text: text}}
		footer = func(p passage.Passage) string {
			return newExcerptView(rec, 1, ch, idx, p, passage.Short, showPlainly, freshExcerpt).footer()
		}

		// Two whole sentences, then the long one cut at a word.
		first := passage.Cut(text, idx, 0, passage.Short)
		if !first.Truncated || first.Continued {
			t.Fatalf("first passage %+v", first)
		}
		if got := footer(first); !strings.Contains(got, "sentences 1–3 of 5 (the last in part)") {
			t.Errorf("whole sentences then a cut one: %q", got)
		}
		// The rest of the long sentence, maybe then whole ones after it.
		next, ok := passage.Next(first, 0, []int{idx.Len()})
		if !ok {
			t.Fatal("no next passage")
		}
		second := passage.CutAt(text, idx, next.Byte, passage.Short)
		if !second.Continued {
			t.Fatalf("second passage %+v", second)
		}
		got := footer(second)
		switch {
		case second.Truncated && second.EndSentence == 3:
			seen["middle"] = true
			if !strings.Contains(got, "part of sentence 3 of 5") {
				t.Errorf("the middle of a long sentence: %q", got)
			}
		case second.Truncated:
			if !strings.Contains(got, "(the first and last in part)") {
				t.Errorf("a cut sentence on both ends: %q", got)
			}
		case second.EndSentence == 3:
			if !strings.Contains(got, "the end of sentence 3 of 5") {
				t.Errorf("the end of a cut sentence: %q", got)
			}
		default:
			seen["end then whole"] = true
			if !strings.Contains(got, "sentences 3–5 of 5 (the first in part)") {
				t.Errorf("a cut sentence's end then whole ones: %q", got)
			}
		}
	}
	if !seen["middle"] || !seen["end then whole"] {
		t.Errorf("cases met: %v", seen)
	}
	// Whole sentences only.
	if got := footer(passage.Cut(text, idx, 3, passage.Short)); !strings.Contains(got, "sentences 4–5 of 5") || strings.Contains(got, "part") {
		t.Errorf("whole sentences: %q", got)
	}
	if got := footer(passage.Passage{StartSentence: 1, EndSentence: 2, StartByte: 13, EndByte: 29, Text: "The fog came in."}); !strings.Contains(got, "sentence 2 of 5") || strings.Contains(got, "part") {
		t.Errorf("one sentence: %q", got)
	}
	if got := footer(passage.Passage{StartSentence: 2, EndSentence: 3, StartByte: 40, EndByte: 200, Continued: true, Truncated: true}); !strings.Contains(got, "part of sentence 3 of 5") {
		t.Errorf("inside one sentence: %q", got)
	}
	if got := footer(passage.Passage{StartSentence: 2, EndSentence: 3, StartByte: 30, EndByte: 200, Truncated: true}); !strings.Contains(got, "the start of sentence 3 of 5") {
		t.Errorf("the start of one sentence: %q", got)
	}
}
