package commands

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"ficshelf/fic"
	"ficshelf/fic/passage"
	"ficshelf/shelf"
	"ficshelf/storetest"
)

// benchWords writes n words of generated prose: sentences of 4 to 24
// words, some dialogue with curly quotes, some abbreviations, paragraphs
// of 2 to 8 sentences.
func benchWords(rng *rand.Rand, n int) string {
	vocab := strings.Fields("the a lake house light over water she he they said quietly morning never again boat shore mist " +
		"remembered letter window door rain storm night slowly Zoë café village ferry bridge garden stone river " +
		"heart hands voice someone nothing always before after under between through against toward")
	var b strings.Builder
	b.Grow(n * 7)
	words, inPara := 0, 0
	for words < n {
		k := 4 + rng.IntN(21)
		dialogue := rng.IntN(5) == 0
		if dialogue {
			b.WriteString("“")
		}
		for i := 0; i < k; i++ {
			w := vocab[rng.IntN(len(vocab))]
			if i == 0 {
				w = strings.ToUpper(w[:1]) + w[1:]
				if rng.IntN(30) == 0 {
					w = "Mr. Hale saw " + w
					words += 2
				}
			} else {
				b.WriteByte(' ')
			}
			b.WriteString(w)
		}
		words += k
		if dialogue {
			b.WriteString(",” she said.")
		} else {
			b.WriteString(".")
		}
		inPara++
		if inPara >= 2+rng.IntN(7) {
			b.WriteString("\n\n")
			inPara = 0
		} else {
			b.WriteByte(' ')
		}
	}
	return strings.TrimSpace(b.String())
}

// benchStory is a 500,000-word story in the given number of chapters,
// made once per process.
var benchStories sync.Map // chapters -> *fic.Story

func benchStory(chapters int) *fic.Story {
	if s, ok := benchStories.Load(chapters); ok {
		return s.(*fic.Story)
	}
	rng := rand.New(rand.NewPCG(7, uint64(chapters)))
	s := &fic.Story{Title: "Half A Million", Authors: []string{"quill"}, Rating: fic.RatingGeneral,
		Warnings: []string{fic.WarningViolence}}
	for c := 0; c < chapters; c++ {
		s.Chapters = append(s.Chapters, fic.Chapter{Title: fmt.Sprintf("Part %d", c+1), Text: benchWords(rng, 500_000/chapters)})
	}
	s.Chapters[chapters-1].Text += "\n\nAt the very end the lighthouse keeper’s daughter sang."
	s.Finish()
	benchStories.Store(chapters, s)
	return s
}

// percentiles reports p50 and p99 of per-operation durations in µs.
func percentiles(b *testing.B, durs []time.Duration) {
	slices.Sort(durs)
	b.ReportMetric(float64(durs[len(durs)/2].Nanoseconds())/1e3, "p50-µs")
	b.ReportMetric(float64(durs[min(len(durs)-1, len(durs)*99/100)].Nanoseconds())/1e3, "p99-µs")
}

// BenchmarkExcerpt500kWords is one excerpt of a 500,000-word story, from
// the store to the embed, in both shapes (50 chapters of 10,000 words, one
// chapter of 500,000). "path" is shelf.Chapters.ViewChapter (the chapter read in place) + decoding the stored index
// + passage.CutAt + building the embed and buttons; "next" and "random"
// are the whole Next passage click and /excerpt through the Router (story
// record, placement, the path above).
func BenchmarkExcerpt500kWords(b *testing.B) {
	for _, chapters := range []int{50, 1} {
		s := benchStory(chapters)
		st := storetest.Open(b)
		rec := storetest.AddText(b, st, testGuild, "501", s)
		r := excerptRouter(b, st)
		lengths := make([]int, len(s.Chapters))
		for i, c := range s.Chapters {
			lengths[i] = len(c.Text)
		}
		name := fmt.Sprintf("%dx%dk", chapters, 500/chapters)
		b.Run(name+"/path-cold", func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 1))
			durs := make([]time.Duration, 0, 1<<16)
			for b.Loop() {
				at, _ := passage.Pick(rng, lengths)
				start := time.Now()
				var resp *discordgo.InteractionResponse
				err := st.ViewChapter(context.Background(), testGuild, rec.ID, at.Chapter+1, func(ch shelf.ChapterRecord) error {
					idx := chapterIndex(ch)
					p := passage.CutAt(ch.Text, idx, at.Byte, passage.Long)
					resp = newExcerptView(rec, at.Chapter+1, ch, idx, p, passage.Long, showPlainly, freshExcerpt).response()
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
				durs = append(durs, time.Since(start))
				if len(resp.Data.Embeds[0].Description) == 0 {
					b.Fatal("empty passage")
				}
			}
			percentiles(b, durs)
		})
		b.Run(name+"/path-cached", func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 1))
			var cache indexCache
			durs := make([]time.Duration, 0, 1<<16)
			for b.Loop() {
				at, _ := passage.Pick(rng, lengths)
				start := time.Now()
				var resp *discordgo.InteractionResponse
				err := st.ViewChapter(context.Background(), testGuild, rec.ID, at.Chapter+1, func(ch shelf.ChapterRecord) error {
					idx := cache.index(testGuild, rec.ID, ch)
					p := passage.CutAt(ch.Text, idx, at.Byte, passage.Long)
					resp = newExcerptView(rec, at.Chapter+1, ch, idx, p, passage.Long, showPlainly, freshExcerpt).response()
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
				durs = append(durs, time.Since(start))
				if len(resp.Data.Embeds[0].Description) == 0 {
					b.Fatal("empty passage")
				}
			}
			percentiles(b, durs)
		})
		b.Run(name+"/next", func(b *testing.B) {
			rng := rand.New(rand.NewPCG(2, 2))
			durs := make([]time.Duration, 0, 1<<16)
			for b.Loop() {
				at, _ := passage.Pick(rng, lengths)
				i := click("502", plainChannel, excerptNext{Story: rec.ID, Chapter: at.Chapter + 1, Byte: at.Byte, Length: passage.Long}.customID())
				start := time.Now()
				resp, err := r.HandleInteraction(context.Background(), i)
				durs = append(durs, time.Since(start))
				if err != nil || len(resp.Data.Embeds) != 1 {
					b.Fatal(err, resp.Data.Content)
				}
			}
			percentiles(b, durs)
		})
		b.Run(name+"/random", func(b *testing.B) {
			i := excerptSlash("502", strOpt("story", rec.ID), strOpt("length", "long"))
			durs := make([]time.Duration, 0, 1<<16)
			for b.Loop() {
				start := time.Now()
				resp, err := r.HandleInteraction(context.Background(), i)
				durs = append(durs, time.Since(start))
				if err != nil || len(resp.Data.Embeds) != 1 {
					b.Fatal(err, resp.Data.Content)
				}
			}
			percentiles(b, durs)
		})
		// find: a phrase only the last sentence of the story has, written
		// differently (case, straight apostrophe), so every chapter is read
		// and searched in order.
		b.Run(name+"/find", func(b *testing.B) {
			i := excerptSlash("502", strOpt("story", rec.ID), strOpt("find", "LIGHTHOUSE KEEPER'S daughter"))
			durs := make([]time.Duration, 0, 1<<12)
			for b.Loop() {
				start := time.Now()
				resp, err := r.HandleInteraction(context.Background(), i)
				durs = append(durs, time.Since(start))
				if err != nil || len(resp.Data.Embeds) != 1 || !strings.Contains(resp.Data.Embeds[0].Description, "lighthouse keeper’s daughter") {
					b.Fatal(err, resp.Data)
				}
			}
			percentiles(b, durs)
		})
	}
}
