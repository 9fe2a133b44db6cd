package commands

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"ficshelf/jobs"
	"ficshelf/shelf"
	"ficshelf/storetest"
)

func TestPlaceInLine(t *testing.T) {
	ref := func(g, id string) shelf.ImportRef { return shelf.ImportRef{GuildID: g, ID: id} }
	// Guild 1 has 5 waiting, guild 2 one, guild 3 two.
	line := []shelf.ImportRef{ref("1", "1"), ref("1", "2"), ref("1", "3"), ref("1", "4"), ref("1", "5"), ref("2", "1"), ref("3", "1"), ref("3", "2")}
	for _, tc := range []struct {
		ref  shelf.ImportRef
		want int
	}{
		{ref("2", "1"), 3},  // after at most one of each guild
		{ref("1", "1"), 3},  // likewise
		{ref("3", "2"), 5},  // its guild's second: two of guild 1, one of 2, two of 3
		{ref("1", "5"), 8},  // last of the big guild: after everyone
		{ref("9", "9"), 1},  // not in line: started
		{ref("1", "3"), 6},  // third of guild 1: 3 + 1 + 2
		{ref("3", "1"), 3},  // first of guild 3
		{ref("1", "2"), 5},  // second of guild 1: 2 + 1 + 2
		{ref("1", "4"), 7},  // fourth of guild 1: 4 + 1 + 2
		{ref("2", "2"), 1},  // unknown ID
		{ref("1", "99"), 1}, // unknown ID in a known guild
	} {
		if got := placeInLine(line, tc.ref); got != tc.want {
			t.Errorf("place of %v = %d, want %d", tc.ref, got, tc.want)
		}
	}
}

func TestDiscordURLExpired(t *testing.T) {
	now := time.Unix(0x67000000, 0)
	for raw, want := range map[string]bool{
		"https://cdn.discordapp.com/attachments/1/2/a.txt?ex=66ffffff&is=1&hm=2": true,
		"https://cdn.discordapp.com/attachments/1/2/a.txt?ex=67000000":           true,
		"https://cdn.discordapp.com/attachments/1/2/a.txt?ex=67000001":           false,
		"https://cdn.discordapp.com/attachments/1/2/a.txt":                       false, // no expiry given
		"https://cdn.discordapp.com/attachments/1/2/a.txt?ex=zz":                 false,
		"::not a url": false,
	} {
		if got := discordURLExpired(raw, now); got != want {
			t.Errorf("%s expired = %v, want %v", raw, got, want)
		}
	}
}

// uploadDiscord downloads one file for every attachment and records the
// final answers' tokens in the order they were edited in.
type uploadDiscord struct {
	importDiscord
	omu   sync.Mutex
	order []string
}

func (d *uploadDiscord) EditInteractionResponse(ctx context.Context, appID, token string, e *discordgo.WebhookEdit) error {
	if e.Content != nil && strings.Contains(*e.Content, "added") {
		d.omu.Lock()
		d.order = append(d.order, token)
		d.omu.Unlock()
	}
	return d.importDiscord.EditInteractionResponse(ctx, appID, token, e)
}

const uploadGuild = "100000000000000001"

// queueTestUpload stores a queued upload of "<title>.txt" in guild.
func queueTestUpload(t *testing.T, st shelf.Store, guild, title, url, token string) shelf.UploadJob {
	t.Helper()
	raw, err := json.Marshal(uploadRequest{Options: addOptions{Title: title}})
	if err != nil {
		t.Fatal(err)
	}
	j, err := st.CreateUploadJob(context.Background(), guild, shelf.UploadJob{UserID: importUser, ChannelID: "520000000000000001",
		File: &shelf.UploadFile{URL: url, Filename: title + ".txt", Size: 40}, Options: raw,
		AppID: "app", Token: token, TokenAt: time.Now(), Created: time.Now()}, 0)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// runUploads runs the upload runner until every upload job is done and
// told.
func runUploads(t *testing.T, st shelf.Store, d Deps) {
	t.Helper()
	p, _ := d.Discord.(jobs.JobPoster)
	files, links := jobs.NewJobRunner("uploads", p, d.Log), jobs.NewJobRunner("links", p, d.Log)
	files.Max = 1
	AddUploadJobs(files, links, d)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); files.Run(ctx) }()
	defer func() { cancel(); <-done }()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		refs, err := st.RunningUploadJobs(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(refs) == 0 {
			return
		}
		files.Wake()
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("uploads did not finish")
}

func uploadDeps(st shelf.Store, d Discord) Deps {
	return Deps{Discord: d, Store: st, Now: time.Now, Pools: NewPools(PoolSizes{ImportWorkers: 1})}
}

// An upload whose Discord address expired while it waited tells the
// member to upload it again, and adds nothing.
func TestQueuedUploadExpiredAddsNothing(t *testing.T) {
	st := storetest.Open(t)
	d := &uploadDiscord{importDiscord: importDiscord{file: []byte("Chapter 1\n\nThe tide.")}}
	expired := fmt.Sprintf("https://cdn.discordapp.com/attachments/1/2/a.txt?ex=%x", time.Now().Add(-time.Hour).Unix())
	queueTestUpload(t, st, uploadGuild, "Gone Tide", expired, "tok")
	runUploads(t, st, uploadDeps(st, d))
	e := d.lastEdit()
	if e == nil || !strings.Contains(*e.Content, "Discord no longer keeps it") || !strings.Contains(*e.Content, "upload it again") {
		t.Fatalf("answer: %+v", e)
	}
	if _, n, _ := st.ListStories(context.Background(), uploadGuild, shelf.ListQuery{Limit: 5}); n != 0 {
		t.Fatalf("%d stories added from an expired upload", n)
	}
}

// A process that died after the story write, before telling the member:
// the next run adds nothing more and tells the member with the story.
func TestQueuedUploadWrittenThenRestartedAddsOnce(t *testing.T) {
	st := storetest.Open(t)
	d := &uploadDiscord{importDiscord: importDiscord{file: []byte("Chapter 1\n\nThe tide came in.")}}
	j := queueTestUpload(t, st, uploadGuild, "Once Tide", "https://cdn.discordapp.com/attachments/1/2/a.txt", "tok")
	// The first process: its step's write, then kill -9.
	deps := uploadDeps(st, d)
	c := newCmds(deps)
	req := &Request{GuildID: uploadGuild, ChannelID: j.ChannelID, UserID: importUser}
	att := &discordgo.MessageAttachment{URL: j.File.URL, Filename: j.File.Filename, Size: j.File.Size}
	if _, err := c.storyAddWork(shelf.WithUploadJob(context.Background(), uploadGuild, j.ID, ""), req, addOptions{Title: "Once Tide"}, att, 0); err != nil {
		t.Fatal(err)
	}
	// The next: runs the job.
	runUploads(t, st, deps)
	if recs, n, _ := st.ListStories(context.Background(), uploadGuild, shelf.ListQuery{Limit: 5}); n != 1 || recs[0].Story.Title != "Once Tide" {
		t.Fatalf("%d stories after the rerun, want 1", n)
	}
	if e := d.lastEdit(); e == nil || !strings.Contains(*e.Content, "added **Once Tide** to the library") || len(*e.Embeds) != 1 {
		t.Fatalf("answer: %+v", e)
	}
}

// One server with many uploads waiting does not hold up another's one:
// with one import at a time, the other server's upload is done second.
func TestQueuedUploadsFairBetweenServers(t *testing.T) {
	st := storetest.Open(t)
	d := &uploadDiscord{importDiscord: importDiscord{file: []byte("Chapter 1\n\nThe tide came in.")}}
	for i := range 6 {
		queueTestUpload(t, st, uploadGuild, fmt.Sprintf("Busy %d", i), "https://cdn.discordapp.com/attachments/1/2/a.txt", fmt.Sprintf("busy%d", i))
	}
	queueTestUpload(t, st, "200000000000000002", "Quiet", "https://cdn.discordapp.com/attachments/1/2/b.txt", "quiet")
	runUploads(t, st, uploadDeps(st, d))
	d.omu.Lock()
	defer d.omu.Unlock()
	if len(d.order) != 7 {
		t.Fatalf("answers %v, want 7", d.order)
	}
	for i, tok := range d.order {
		if tok == "quiet" && i > 1 {
			t.Fatalf("the quiet server's upload was done %d-th of 7: %v", i+1, d.order)
		}
	}
}

// The place a queued upload is first told counts its own line: files and
// links wait for runners of their own, so links queued before a file are
// not ahead of it.
func TestQueuedUploadPlaceCountsItsOwnLine(t *testing.T) {
	st := storetest.Open(t)
	c := newCmds(uploadDeps(st, &uploadDiscord{}))
	c.uploadsChanged = func() {}
	req := &Request{GuildID: uploadGuild, ChannelID: "500000000000000005", UserID: importUser,
		Interaction: &discordgo.Interaction{AppID: "app", Token: "tok"}}
	ctx := context.Background()
	for i := range 2 {
		if place, err := c.queueUpload(ctx, req, addOptions{}, nil, int64(100+i)); err != nil || place != i+1 {
			t.Fatalf("link %d: place %d %v", i+1, place, err)
		}
	}
	att := &discordgo.MessageAttachment{URL: "https://cdn.discordapp.com/attachments/1/2/a.txt", Filename: "a.txt", Size: 10}
	if place, err := c.queueUpload(ctx, req, addOptions{Title: "A"}, att, 0); err != nil || place != 1 {
		t.Fatalf("a file after two links: place %d %v, want 1st", place, err)
	}
	if place, err := c.queueUpload(ctx, req, addOptions{}, nil, 102); err != nil || place != 3 {
		t.Fatalf("a third link: place %d %v, want 3rd", place, err)
	}
}
