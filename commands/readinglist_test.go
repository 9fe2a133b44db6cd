package commands

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"ficshelf/discordtest"
	"ficshelf/shelf"
	"ficshelf/storetest"
)

func TestCheckChapterRules(t *testing.T) {
	for _, c := range []struct {
		chapter, posted, expected int
		last                      bool
		err                       string
	}{
		{0, 5, 5, false, ""},
		{3, 5, 5, false, ""},
		{5, 5, 5, true, ""},
		{6, 5, 5, false, "can't be past chapter 5"},
		{-1, 5, 5, false, "start at 1"},
		{3, 3, 0, false, ""}, // WIP at its latest chapter: not finished
		{4, 3, 0, false, "posted so far"},
		{4, 3, 10, false, "posted so far"}, // 3/10: a WIP with a known end
		{40, 0, 0, false, ""},              // unknown count: anything
	} {
		last, err := checkChapter("T", c.chapter, c.posted, c.expected)
		if last != c.last || (err == nil) != (c.err == "") || (err != nil && !strings.Contains(err.Error(), c.err)) {
			t.Errorf("checkChapter(%d, %d/%d) = %v, %v; want %v, %q", c.chapter, c.posted, c.expected, last, err, c.last, c.err)
		}
	}
}

func TestProgressText(t *testing.T) {
	for _, c := range []struct {
		chapter, posted, expected int
		want                      string
	}{
		{3, 5, 5, "▰▰▰▰▰▰▱▱▱▱ 3/5"},
		{0, 5, 5, "▱▱▱▱▱▱▱▱▱▱ 0/5"},
		{5, 5, 5, "▰▰▰▰▰▰▰▰▰▰ 5/5"},
		{1, 300, 300, "▰▱▱▱▱▱▱▱▱▱ 1/300"},
		{2, 4, 0, "▰▰▰▰▰▱▱▱▱▱ 2/4 posted (work in progress)"},
		{7, 0, 0, "chapter 7"},
		{0, 0, 0, "not started"},
	} {
		if got := progressText(c.chapter, c.posted, c.expected); got != c.want {
			t.Errorf("progressText(%d, %d/%d) = %q; want %q", c.chapter, c.posted, c.expected, got, c.want)
		}
	}
}

func TestStatusRankFollowsStoreOrder(t *testing.T) {
	for i, st := range shelf.Statuses {
		if statusRank(st) != i {
			t.Errorf("statusRank(%s) = %d; want %d", st, statusRank(st), i)
		}
	}
}

func TestStoryFromMessage(t *testing.T) {
	comps := []discordgo.MessageComponent{&discordgo.ActionsRow{Components: []discordgo.MessageComponent{
		&discordgo.Button{CustomID: "ex1:9:1:2"}, &discordgo.Button{CustomID: "kudos:x"}, &discordgo.Button{CustomID: "rl-add:77"},
	}}}
	if id := storyIDFromComponents(comps); id != "77" {
		t.Errorf("story from components = %q; want 77", id)
	}
	c := &cmds{}
	msg := &discordgo.Message{
		Content: "read <https://archiveofourown.org/works/12/chapters/5>! also archiveofourown.org/works/12 and [this](https://www.archiveofourown.org/collections/x/works/34?view_full_work=true)",
		Embeds:  []*discordgo.MessageEmbed{{URL: "https://archiveofourown.org/works/56", Fields: []*discordgo.MessageEmbedField{{Value: "https://example.com/works/78"}}}},
	}
	if got := c.ao3Works(msg); !slices.Equal(got, []int64{12, 34, 56}) {
		t.Errorf("ao3Works = %v; want [12 34 56]", got)
	}
}

func TestListPageFitsDiscord(t *testing.T) {
	long := strings.Repeat("*_~`|", 60)
	var entries []shelf.ListEntry
	for i := 0; i < 23; i++ {
		entries = append(entries, shelf.ListEntry{StoryID: fmt.Sprint(i + 1), Status: shelf.Statuses[i%5], Chapter: i,
			Note: strings.Repeat("note ", 200), Title: long + fmt.Sprint(i), Authors: []string{long, long}, ChaptersPosted: 30, ChaptersExpected: 30})
	}
	for page := 0; page < 3; page++ {
		e, comps := listPage(entries, "42", "Your reading list", "all", page)
		r := EmbedReply(true, []*discordgo.MessageEmbed{e}, comps...)
		if err := discordtest.CheckResponse(discordgo.InteractionApplicationCommand, false, r); err != nil {
			t.Fatalf("page %d: %v", page, err)
		}
	}
}

func TestReadingListHandlers(t *testing.T) {
	st := storetest.Open(t)
	r := New(Deps{Store: st})
	rec := addWork(t, st, "Five", 5, 5, "501", false)
	say := func(sub string, opts ...*discordgo.ApplicationCommandInteractionDataOption) string {
		t.Helper()
		a := handle(t, r, slash("502", "readinglist", sub, opts...))
		if a.Data.Flags&discordgo.MessageFlagsEphemeral == 0 {
			t.Errorf("/readinglist %s answered publicly", sub)
		}
		return a.Data.Content
	}
	if got := say("add", strOpt("story", rec.ID), intOpt("chapter", 5)); !strings.Contains(got, "finished, chapter 5 of 5") {
		t.Errorf("add at the last chapter: %q", got)
	}
	if got := say("add", strOpt("story", rec.ID), strOpt("status", "dropped")); !strings.Contains(got, "dropped, chapter 5 of 5") {
		t.Errorf("add with status: %q", got)
	}
	if got := say("progress", strOpt("story", rec.ID), intOpt("chapter", 2)); !strings.Contains(got, "dropped, chapter 2 of 5") {
		t.Errorf("progress keeps dropped: %q", got)
	}
	if got := say("add", strOpt("story", rec.ID), strOpt("note", strings.Repeat("é", 600))); !strings.Contains(got, "too long") {
		t.Errorf("long note: %q", got)
	}
}

// BenchmarkReadingListShow2000 answers /readinglist show through the
// router for a member with 2,000 entries: shelf.ReadingLists.MemberList plus sorting,
// grouping and rendering the first page. Reports p50/p99 in µs.
func BenchmarkReadingListShow2000(b *testing.B) {
	st := storetest.Open(b)
	r := New(Deps{Store: st})
	const user = "600000000000000001"
	for i := 0; i < 2000; i++ {
		w := storetest.Work(fmt.Sprintf("A Story Called Number %d", i), 10+i%20, (10+i%20)*(i%2), 0)
		w.Authors, w.Rating = []string{"quill", "ink"}, ""
		rec := storetest.Add(b, st, testGuild, "7", w)
		if _, err := st.SetListEntry(context.Background(), testGuild, user, shelf.ListEntry{StoryID: rec.ID, Status: shelf.Statuses[i%5], Chapter: i % 10, Note: "a note"}, time.Unix(int64(1e9+i), 0)); err != nil {
			b.Fatal(err)
		}
	}
	i := slash(user, "readinglist", "show")
	durs := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		start := time.Now()
		resp, err := r.HandleInteraction(context.Background(), i)
		durs = append(durs, time.Since(start))
		if err != nil || len(resp.Data.Embeds) != 1 {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	slices.Sort(durs)
	b.ReportMetric(float64(durs[len(durs)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(durs[min(len(durs)-1, len(durs)*99/100)].Microseconds()), "p99-µs")
}
