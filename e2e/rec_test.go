package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"

	"ficshelf/discordtest"
	"ficshelf/fic"
	"ficshelf/shelf"
	"ficshelf/storetest"
)

// seedFic stores a story built in code: title, rating, fandoms, chapters
// posted and expected (0 = unknown: a work in progress).
func seedFic(t *testing.T, st shelf.Store, guild, addedBy, title string, rating fic.Rating, fandoms []string, posted, expected int) shelf.StoryRecord {
	t.Helper()
	s := storetest.Parts(title, rating, posted, expected)
	s.Fandoms = fandoms
	return storetest.AddText(t, st, guild, addedBy, s)
}

// threadsOf returns the bot-created threads whose parent is parentID.
func threadsOf(e *Env, parentID string) []discordtest.Thread {
	var out []discordtest.Thread
	for _, th := range e.Srv.Threads() {
		if th.ParentID == parentID {
			out = append(out, th)
		}
	}
	return out
}

func channelMsgs(e *Env, channelID, contains string) []*discordtest.Message {
	var out []*discordtest.Message
	for _, m := range e.Srv.Messages(channelID) {
		if m.Source == discordtest.SourceChannel && !m.Deleted && strings.Contains(m.Content, contains) {
			out = append(out, m)
		}
	}
	return out
}

func TestRecPostOpensOneThreadPerStory(t *testing.T) {
	var story, adult shelf.StoryRecord
	e := Start(t, WithSeed(func(t *testing.T, st shelf.Store, e *Env) {
		story = seedFic(t, st, e.Guild.ID, e.Alice.User.ID, "Gravity Falls Apart", fic.RatingTeen, []string{"Gravity Falls"}, 3, 3)
		adult = seedFic(t, st, e.Guild.ID, e.Alice.User.ID, "After Hours", fic.RatingExplicit, []string{"Hockey RPF"}, 1, 1)
	}))

	ans := e.Slash(e.General, e.Alice, "rec", discordtest.Sub("post", discordtest.String("story", story.ID),
		discordtest.String("why", "The *best* slow burn. @everyone <@1> read it!")))
	if !ans.Ephemeral() || !strings.Contains(ans.Content(), "is up") {
		t.Fatalf("first rec answer: %q (ephemeral %v)", ans.Content(), ans.Ephemeral())
	}
	cards := channelMsgs(e, e.General.ID, "recommends")
	if len(cards) != 1 {
		t.Fatalf("rec cards in #general: %d", len(cards))
	}
	card := cards[0]
	if len(card.Embeds) != 1 || card.Embeds[0].Title != story.Story.Title {
		t.Errorf("card embeds: %+v", card.Embeds)
	}
	if !strings.Contains(card.Content, `> The \*best\* slow burn. @everyone \<@1> read it!`) {
		t.Errorf("the why is not quoted and escaped: %q", card.Content)
	}
	if am := card.AllowedMentions; am == nil || len(am.Parse) != 0 || len(am.Users) != 0 {
		t.Errorf("rec may ping: %+v", am)
	}
	if !strings.Contains(strings.Join(card.CustomIDs(), " "), "kudos:"+story.ID) {
		t.Errorf("no Kudos button: %v", card.CustomIDs())
	}
	ths := threadsOf(e, e.General.ID)
	if len(ths) != 1 || ths[0].StarterMessage != card.ID || ths[0].Channel.Name != story.Story.Title {
		t.Fatalf("threads: %+v", ths)
	}
	thread := ths[0].Channel

	// The same story again: into the existing thread, and the member is told.
	again := e.Slash(e.Lounge, e.Bob, "rec", discordtest.Sub("post", discordtest.String("story", story.Story.Title), discordtest.String("why", "Seconded.")))
	if !again.Ephemeral() || !strings.Contains(again.Content(), "already recommended") || !strings.Contains(again.Content(), thread.ID) {
		t.Errorf("second rec answer: %q", again.Content())
	}
	if n := len(channelMsgs(e, thread.ID, "recommends")); n != 1 {
		t.Errorf("recs in the thread: %d, want 1", n)
	}
	if n := len(e.Srv.Threads()); n != 1 {
		t.Errorf("threads after a second rec: %d, want 1", n)
	}

	// Two members at once: still one thread, both recs in it.
	pend := []*discordtest.Pending{
		e.Srv.Send(t, e.Srv.Slash(t, e.General.ID, e.Mod.User.ID, "rec", discordtest.Sub("post", discordtest.String("story", story.ID), discordtest.String("why", "mod says yes")))),
		e.Srv.Send(t, e.Srv.Slash(t, e.General.ID, e.Admin.User.ID, "rec", discordtest.Sub("post", discordtest.String("story", story.ID), discordtest.String("why", "admin too")))),
	}
	for _, p := range pend {
		p.Wait(t)
	}
	if n := len(e.Srv.Threads()); n != 1 {
		t.Errorf("threads after concurrent recs: %d, want 1", n)
	}
	if n := len(channelMsgs(e, thread.ID, "recommends")); n != 3 {
		t.Errorf("recs in the thread after concurrent recs: %d, want 3", n)
	}

	// The thread is deleted by a moderator: the next rec opens a new one.
	e.Srv.DeleteChannel(thread.ID)
	fresh := e.Slash(e.General, e.Bob, "rec", discordtest.Sub("post", discordtest.String("story", story.ID), discordtest.String("why", "Still great.")))
	if !strings.Contains(fresh.Content(), "is up") {
		t.Errorf("rec after thread deletion: %q", fresh.Content())
	}
	if ths := threadsOf(e, e.General.ID); len(ths) != 2 || ths[1].Channel.ID == thread.ID {
		t.Errorf("threads after deletion: %+v", ths)
	}

	// An adult story's card outside an age-restricted channel hides its
	// summary; inside one it shows it.
	e.Slash(e.General, e.Alice, "rec", discordtest.Sub("post", discordtest.String("story", adult.ID), discordtest.String("why", "Spicy.")))
	sfw := channelMsgs(e, e.General.ID, "After Hours")
	if len(sfw) != 1 || !strings.Contains(sfw[0].Embeds[0].Description, "Summary hidden") {
		t.Errorf("adult card in #general: %+v", sfw)
	}
}

func TestRecForumPostAndRequests(t *testing.T) {
	var story, other shelf.StoryRecord
	e := Start(t, WithSeed(func(t *testing.T, st shelf.Store, e *Env) {
		story = seedFic(t, st, e.Guild.ID, e.Alice.User.ID, "Forum Fic", fic.RatingGeneral, []string{"Good Omens"}, 2, 2)
		other = seedFic(t, st, e.Guild.ID, e.Alice.User.ID, "Second Fic", fic.RatingGeneral, []string{"Stranger Things"}, 2, 2)
		if _, err := st.SetSettings(context.Background(), e.Guild.ID, shelf.Settings{RecsChannelID: e.Forum.ID}); err != nil {
			t.Fatal(err)
		}
	}))
	// Recs channel is a forum: a forum post with the card first.
	ans := e.Slash(e.General, e.Alice, "rec", discordtest.Sub("post", discordtest.String("story", story.ID), discordtest.String("why", "Ineffable.")))
	if !strings.Contains(ans.Content(), "is up") {
		t.Fatalf("forum rec: %q", ans.Content())
	}
	posts := threadsOf(e, e.Forum.ID)
	if len(posts) != 1 || posts[0].Channel.Name != "Forum Fic" {
		t.Fatalf("forum posts: %+v", posts)
	}
	first := e.Srv.Messages(posts[0].Channel.ID)
	if len(first) == 0 || len(first[0].Embeds) == 0 || first[0].Embeds[0].Title != "Forum Fic" || !strings.Contains(first[0].Content, "Ineffable") {
		t.Errorf("forum post's first message: %+v", first)
	}
	e.Slash(e.General, e.Bob, "rec", discordtest.Sub("post", discordtest.String("story", story.ID), discordtest.String("why", "Agreed.")))
	if n := len(threadsOf(e, e.Forum.ID)); n != 1 {
		t.Errorf("forum posts after a second rec: %d", n)
	}

	// A request: a forum post too; a rec inside it answers it.
	ask := e.Slash(e.General, e.Bob, "rec", discordtest.Sub("ask", discordtest.String("request", "Found family, under 50k?")))
	if !strings.Contains(ask.Content(), "request is up") {
		t.Fatalf("ask: %q", ask.Content())
	}
	posts = threadsOf(e, e.Forum.ID)
	if len(posts) != 2 || !strings.HasPrefix(posts[1].Channel.Name, "Looking for: Found family") {
		t.Fatalf("request post: %+v", posts)
	}
	reqThread := e.Srv.Channel(posts[1].Channel.ID)
	answer := e.Slash(reqThread, e.Alice, "rec", discordtest.Sub("post", discordtest.String("story", other.ID), discordtest.String("why", "Exactly this.")))
	if !strings.Contains(answer.Content(), "answer is posted") {
		t.Fatalf("answer: %q", answer.Content())
	}
	answers := channelMsgs(e, reqThread.ID, "answers")
	if len(answers) != 1 || !strings.Contains(answers[0].Content, "[request](https://discord.com/channels/") {
		t.Errorf("answer message: %+v", answers)
	}
	reqMsg := e.Srv.Message(posts[1].StarterMessage)
	if reqMsg == nil || !strings.Contains(reqMsg.Content, "Answers so far (1)") || !strings.Contains(reqMsg.Content, "Second Fic") {
		t.Errorf("request does not link its answer: %+v", reqMsg)
	}
	if n := len(e.Srv.Threads()); n != 2 {
		t.Errorf("an answer opened a thread: %d threads", n)
	}
}

func TestRecAskInTextChannelAndList(t *testing.T) {
	var stories []shelf.StoryRecord
	e := Start(t, WithSeed(func(t *testing.T, st shelf.Store, e *Env) {
		for i := range 12 {
			fandom := "Good Omens"
			if i%2 == 1 {
				fandom = "Stranger Things"
			}
			stories = append(stories, seedFic(t, st, e.Guild.ID, e.Alice.User.ID, fmt.Sprintf("Story %02d", i), fic.RatingGeneral, []string{fandom}, 1, 1))
		}
	}))
	ask := e.Slash(e.General, e.Bob, "rec", discordtest.Sub("ask", discordtest.String("request", "Anything with dragons")))
	if !strings.Contains(ask.Content(), "request is up") {
		t.Fatalf("ask: %q", ask.Content())
	}
	reqs := channelMsgs(e, e.General.ID, "Looking for:")
	ths := threadsOf(e, e.General.ID)
	if len(reqs) != 1 || len(ths) != 1 || ths[0].StarterMessage != reqs[0].ID {
		t.Fatalf("request %+v threads %+v", reqs, ths)
	}
	for i, s := range stories {
		who := e.Alice
		if i%3 == 0 {
			who = e.Bob
		}
		e.Slash(e.Lounge, who, "rec", discordtest.Sub("post", discordtest.String("story", s.ID), discordtest.String("why", fmt.Sprintf("reason %d", i))))
	}
	list := e.Slash(e.General, e.Alice, "rec", discordtest.Sub("list"))
	text := list.Original.EmbedText()
	if list.Ephemeral() || !strings.Contains(text, "Story 11") || strings.Contains(text, "Story 01") || !strings.Contains(text, "Page 1 of 2") {
		t.Fatalf("page 1: %q", text)
	}
	if strings.Index(text, "Story 11") > strings.Index(text, "Story 10") {
		t.Error("not newest first")
	}
	if !strings.Contains(text, "https://discord.com/channels/"+e.Guild.ID+"/") {
		t.Error("no links to threads")
	}
	var next string
	for _, id := range list.Original.CustomIDs() {
		if strings.HasPrefix(id, "rec-list:1:") {
			next = id
		}
	}
	if next == "" {
		t.Fatalf("no Next button: %v", list.Original.CustomIDs())
	}
	page2 := e.Click(e.Bob, list.Original, next)
	if page2.Type != discordgo.InteractionResponseUpdateMessage || !strings.Contains(page2.Original.EmbedText(), "Story 00") {
		t.Errorf("page 2: type %d %q", page2.Type, page2.Original.EmbedText())
	}
	bobs := e.Slash(e.General, e.Alice, "rec", discordtest.Sub("list", discordtest.UserOpt("member", e.Bob.User.ID), discordtest.String("fandom", "good omens")))
	bt := bobs.Original.EmbedText()
	// Bob recommended 0, 3, 6, 9; Good Omens are the even ones: 0 and 6.
	if !strings.Contains(bt, "Story 06") || !strings.Contains(bt, "Story 00") || strings.Contains(bt, "Story 03") || strings.Contains(bt, "Story 02") {
		t.Errorf("bob's Good Omens recs: %q", bt)
	}
	// Another server sees none of it.
	other := e.Slash(e.OtherGeneral, e.OtherMember, "rec", discordtest.Sub("list"))
	if !strings.Contains(other.Original.EmbedText(), "No recommendations yet") {
		t.Errorf("other server: %q", other.Original.EmbedText())
	}
}
