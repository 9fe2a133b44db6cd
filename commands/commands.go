package commands

import (
	"context"
	"log/slog"
	"time"

	"github.com/bwmarrin/discordgo"

	"ficshelf/fic"
	"ficshelf/shelf"
)

// Discord is what handlers may do on Discord besides answering their own
// interaction. Package bot implements it; every message it sends is fitted
// to Discord's limits and pings nobody unless AllowedMentions says so.
type Discord interface {
	// SendMessage posts a message in a channel.
	SendMessage(ctx context.Context, channelID string, m *discordgo.MessageSend) (*discordgo.Message, error)
	// SendMessageOnce posts a message with a nonce (1–25 characters) that
	// Discord enforces: a repeat within a few minutes returns the first
	// message instead of posting again.
	SendMessageOnce(ctx context.Context, channelID, nonce string, m *discordgo.MessageSend) (*discordgo.Message, error)
	// EditMessage edits a message the bot posted.
	EditMessage(ctx context.Context, channelID, messageID string, e *discordgo.MessageEdit) (*discordgo.Message, error)
	// StartThread opens a thread on a message.
	StartThread(ctx context.Context, channelID, messageID, name string) (*discordgo.Channel, error)
	// CreateThread opens a thread with no starter message.
	CreateThread(ctx context.Context, channelID, name string) (*discordgo.Channel, error)
	// StartForumPost opens a post in a forum channel with first as its
	// first message.
	StartForumPost(ctx context.Context, channelID, name string, first *discordgo.MessageSend) (*discordgo.Channel, error)
	// OwnMessages returns the messages the bot itself posted among the
	// latest limit (at most 100) messages of a channel, newest first.
	OwnMessages(ctx context.Context, channelID string, limit int) ([]*discordgo.Message, error)
	// Channel looks a channel up (cache first).
	Channel(ctx context.Context, channelID string) (*discordgo.Channel, error)
	// FetchAttachment downloads an attachment from Discord's CDN (or the
	// configured base URL's host), refusing anything over maxBytes before
	// reading it.
	FetchAttachment(ctx context.Context, url string, maxBytes int64) ([]byte, error)
}

// Store is the storage the commands use: the shelf ports of every command
// family, and nothing of any engine. Each family's code reaches the store
// only through the port it needs (cmds' fields below).
type Store interface {
	shelf.Stories
	shelf.Chapters
	shelf.StoryFinder
	shelf.Kudos
	shelf.ReadingLists
	shelf.Members
	shelf.Recs
	shelf.Clubs
	shelf.Checkpoints
	shelf.GuildSettings
	shelf.ReadingLog // /readinglist stats
	shelf.Imports    // /readinglist import
	shelf.Subscriptions
	shelf.SeriesJobs // /story add with a series link
	shelf.UploadJobs // /story add waiting its turn
}

// Deps is what the commands need from the rest of the program.
type Deps struct {
	Discord Discord
	Store   Store
	AO3     *fic.AO3Client
	Log     *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// ClubsChanged, when set, is called after a club is started, changed
	// or ended, so the checkpoint scheduler looks at its next due time.
	ClubsChanged func()
	// ImportsChanged, when set, is called after a reading-list import is
	// started, so the import runner looks for it at once.
	ImportsChanged func()
	// Uploads, when set, is the runner of queued uploads (AddUploadJobs):
	// a /story add that must wait is then stored as a job, which survives
	// a restart, and Uploads woken; nil keeps such work in memory.
	Uploads interface{ Wake() }
	// Pools run the heavy commands' work (heavy.go); nil means
	// NewPools(PoolSizes{}).
	Pools *Pools
}

// cmds holds what every command family's handlers share. Each family's
// file adds its commands and component routes in a register method.
type cmds struct {
	discord Discord

	// The store, one field per port: a family's file names the ports it
	// touches (story.go: stories, finder; kudos.go: kudos; …).
	stories     shelf.Stories
	chapters    shelf.Chapters
	finder      shelf.StoryFinder
	kudos       shelf.Kudos
	lists       shelf.ReadingLists
	members     shelf.Members
	recs        shelf.Recs
	clubs       shelf.Clubs
	checkpoints shelf.Checkpoints
	settings    shelf.GuildSettings
	readlog     shelf.ReadingLog // readstats.go
	imports     shelf.Imports    // listimport.go
	subs        shelf.Subscriptions
	series      shelf.SeriesJobs // story_series.go
	uploads     shelf.UploadJobs // story_upload_job.go

	ao3 *fic.AO3Client
	log *slog.Logger
	now func() time.Time

	clubsChanged   func()
	importsChanged func()
	uploadsChanged func()     // nil: queued uploads are not persisted
	recLocks       keyedLocks // serialise /rec post per story (rec.go)
	pools          *Pools     // heavy work (heavy.go)
}

// New returns a Router with every Ficshelf command registered. Deps may be
// zero when only the definitions are wanted (ficshelf commands).
func New(d Deps) *Router {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.ClubsChanged == nil {
		d.ClubsChanged = func() {}
	}
	c := newCmds(d)
	c.ao3, c.clubsChanged = d.AO3, d.ClubsChanged
	r := NewRouter(d.Log)
	r.Add(helpCommand(r))
	c.registerStory(r)
	c.registerExcerpt(r)
	c.registerKudos(r)
	c.registerReadingList(r)
	c.registerRec(r)
	c.registerClub(r)
	c.registerSettings(r)
	c.registerMyData(r)
	c.registerSubscribe(r)
	return r
}

// newCmds returns the shared state for d, with the store seen through its
// ports. A nil store (definitions only) leaves every port nil.
func newCmds(d Deps) *cmds {
	c := &cmds{discord: d.Discord, log: d.Log, now: d.Now, clubsChanged: func() {}, importsChanged: func() {}}
	if d.ImportsChanged != nil {
		c.importsChanged = d.ImportsChanged
	}
	if d.Uploads != nil {
		c.uploadsChanged = d.Uploads.Wake
	}
	c.pools = d.Pools
	if c.pools == nil {
		c.pools = NewPools(PoolSizes{})
	}
	if st := d.Store; st != nil {
		c.stories, c.chapters, c.finder, c.kudos, c.lists = st, st, st, st, st
		c.members, c.recs, c.clubs, c.checkpoints, c.settings = st, st, st, st, st
		c.readlog, c.imports = st, st
		c.subs = st
		c.series = st
		c.uploads = st
	}
	return c
}
