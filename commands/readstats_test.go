package commands

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"ficshelf/fic"
	"ficshelf/shelf"
	"ficshelf/storetest"
)

const statsUser = "510000000000000009"

func TestListStats(t *testing.T) {
	st := storetest.Open(t)
	now := time.Date(2026, 6, 15, 12, 0, 0, 0, time.UTC)
	w := storetest.Work("Finished Thing", 2, 2, 0)
	w.Words, w.Fandoms, w.Relationships, w.Rating = 12000, []string{"Fandom A"}, []string{"A/B"}, fic.RatingTeen
	rec := storetest.AddAt(t, st, testGuild, "7", false, now, w)
	ctx := context.Background()
	for i, e := range []shelf.ListEntry{{StoryID: rec.ID, Status: shelf.StatusReading, Chapter: 1}, {StoryID: rec.ID, Status: shelf.StatusFinished, Chapter: 2}} {
		if _, err := st.SetListEntry(ctx, testGuild, statsUser, e, now.AddDate(0, -3, i)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.GiveKudos(ctx, testGuild, rec.ID, statsUser, now.AddDate(0, -3, 1)); err != nil {
		t.Fatal(err)
	}
	r := New(Deps{Store: st, Now: func() time.Time { return now }})
	resp := handle(t, r, slash(statsUser, "readinglist", "stats"))
	if resp.Data.Flags&discordgo.MessageFlagsEphemeral == 0 || len(resp.Data.Files) != 1 {
		t.Fatalf("stats answer %+v", resp.Data)
	}
	for _, want := range []string{"2026: 1 story finished, 12,000 words read", "By month: Mar 1", "Top fandoms: Fandom A (1)", "Kudos given: 1", "longest run: 2 days"} {
		if !strings.Contains(resp.Data.Content, want) {
			t.Errorf("stats text lacks %q:\n%s", want, resp.Data.Content)
		}
	}
	f := resp.Data.Files[0]
	df, ok := f.Reader.(describedFile)
	if !ok || f.ContentType != "image/png" {
		t.Fatalf("file %+v", f)
	}
	var png bytes.Buffer
	png.ReadFrom(df)
	if !bytes.HasPrefix(png.Bytes(), []byte("\x89PNG")) || df.desc == "" || len([]rune(df.desc)) > 1024 || !strings.Contains(df.desc, "Mar 1 (12,000 words)") {
		t.Fatalf("chart %d bytes, alt %q", png.Len(), df.desc)
	}
	// Another year has nothing; a year ahead is refused.
	if got := handle(t, r, slash(statsUser, "readinglist", "stats", intOpt("year", 2025))); !strings.Contains(got.Data.Content, "0 stories finished") {
		t.Errorf("2025: %q", got.Data.Content)
	}
	if got := handle(t, r, slash(statsUser, "readinglist", "stats", intOpt("year", 2027))); !strings.Contains(got.Data.Content, "Pick a year") {
		t.Errorf("2027: %q", got.Data.Content)
	}
}
