package commands

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"ficshelf/shelf"
	"ficshelf/storetest"
)

func TestBlockquoteEscapesEveryLine(t *testing.T) {
	got := blockquote("First *line*\n# heading\r\n@everyone <@123> ||spoiler||")
	want := "> First \\*line\\*\n> \\# heading\n> @everyone \\<@123> \\|\\|spoiler\\|\\|"
	if got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

func TestRecListArgsRoundTrip(t *testing.T) {
	for _, s := range []string{"", "Good Omens", "Re:Zero", "100% Fluff", "a%3Ab"} {
		if got := unescapeArg(escapeArg(s)); got != s {
			t.Errorf("%q came back as %q", s, got)
		}
		if strings.Contains(escapeArg(s), ":") {
			t.Errorf("%q escaped keeps a colon", s)
		}
	}
}

func TestKeyedLocksSerialisePerKey(t *testing.T) {
	var k keyedLocks
	var mu sync.Mutex
	inside := map[string]int{}
	var wg sync.WaitGroup
	for i := range 50 {
		key := []string{"a", "b"}[i%2]
		wg.Add(1)
		go func() {
			defer wg.Done()
			unlock := k.lock(key)
			mu.Lock()
			inside[key]++
			if inside[key] > 1 {
				t.Errorf("two holders of %s", key)
			}
			mu.Unlock()
			mu.Lock()
			inside[key]--
			mu.Unlock()
			unlock()
		}()
	}
	wg.Wait()
	if len(k.m) != 0 {
		t.Errorf("locks left behind: %d", len(k.m))
	}
}

// A request's message links its latest answers and says it counts more.
func TestRequestContentSaysItLinksTheLatestAnswers(t *testing.T) {
	var answers []shelf.Rec
	for i := range 14 {
		answers = append(answers, shelf.Rec{StoryTitle: fmt.Sprintf("Answer %02d", i), ChannelID: "1", MessageID: "2", UserID: "3"})
	}
	got := requestContent("9", shelf.RecRequest{UserID: "3", Text: "slow burn"}, answers)
	if !strings.Contains(got, "Answers so far (14; the latest 10 here, all of them in the thread)") ||
		strings.Contains(got, "Answer 03") || !strings.Contains(got, "Answer 04") || !strings.Contains(got, "Answer 13") {
		t.Errorf("14 answers:\n%s", got)
	}
	if got := requestContent("9", shelf.RecRequest{UserID: "3", Text: "x"}, answers[:2]); !strings.Contains(got, "Answers so far (2):") {
		t.Errorf("2 answers:\n%s", got)
	}
}

// A /rec list fandom filter too long for the page buttons is shortened,
// and the list says so.
func TestRecListSaysWhenTheFandomWasShortened(t *testing.T) {
	st := storetest.Open(t)
	c := newCmds(Deps{Store: st, Now: time.Now})
	long := strings.Repeat("Fandom ", 12) // 84 characters
	embed, _, err := c.recPage(context.Background(), testGuild, "", long, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(embed.Description, "I filtered by the first 60 characters of the fandom you typed.") {
		t.Errorf("long fandom:\n%s", embed.Description)
	}
	embed, _, err = c.recPage(context.Background(), testGuild, "", "Good Omens", 0)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(embed.Description, "I filtered") {
		t.Errorf("short fandom:\n%s", embed.Description)
	}
}

// A page of /rec list shows every one of its recs, however long their
// titles and reasons: the next page starts after the tenth.
func TestRecListPageShowsEveryRec(t *testing.T) {
	st := storetest.Open(t)
	c := newCmds(Deps{Store: st, Now: time.Now})
	for i := range 11 {
		rec := storetest.Add(t, st, testGuild, "501", storetest.Story(fmt.Sprintf("%02d %s", i, strings.Repeat("*_", 80))))
		if _, err := st.AddRec(context.Background(), testGuild, shelf.Rec{StoryID: rec.ID, UserID: "501", Why: strings.Repeat("|~", 400),
			At: time.Unix(int64(1000+i), 0), ChannelID: "800000000000000001", MessageID: fmt.Sprint(900000000000000000 + i), ThreadID: "800000000000000001"}); err != nil {
			t.Fatal(err)
		}
	}
	embed, _, err := c.recPage(context.Background(), testGuild, "", "", 0)
	if err != nil {
		t.Fatal(err)
	}
	if n := len([]rune(embed.Description)); n > maxListText {
		t.Errorf("%d characters", n)
	}
	for i := 1; i <= 10; i++ {
		if !strings.Contains(embed.Description, fmt.Sprintf("**%d.** [", i)) {
			t.Errorf("rec %d missing from page 1:\n%.500s", i, embed.Description)
		}
	}
}

// A long request with many answers still fits in one message (an edit is
// never cut), linking as many of the latest answers as fit and saying so.
func TestRequestContentFitsOneMessage(t *testing.T) {
	var answers []shelf.Rec
	for i := range 14 {
		answers = append(answers, shelf.Rec{StoryTitle: fmt.Sprintf("Answer %02d %s", i, strings.Repeat("*", 70)),
			ChannelID: "800000000000000001", MessageID: fmt.Sprint(900000000000000000 + i), UserID: "300000000000000003"})
	}
	got := requestContent("700000000000000001", shelf.RecRequest{UserID: "3", Text: strings.Repeat("slow burn, ", 90)}, answers)
	if n := textLen(got); n > maxMessage {
		t.Errorf("%d characters:\n%s", n, got)
	}
	shown := strings.Count(got, "\n• ")
	if shown == 0 || shown >= 10 || !strings.Contains(got, fmt.Sprintf("Answers so far (14; the latest %d here, all of them in the thread)", shown)) ||
		!strings.Contains(got, "Answer 13") {
		t.Errorf("%d answers linked:\n%s", shown, got)
	}
}
