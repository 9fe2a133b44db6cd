package loadtest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"ficshelf/commands"
	"ficshelf/discordtest"
	"ficshelf/fic"
	"ficshelf/store"
)

// WorldConfig sizes the seeded world.
type WorldConfig struct {
	Guilds  int   // servers (default 4)
	Members int   // members per server (default 100)
	Stories int   // stories in all, spread evenly over the servers (default 1000)
	Seed    int64 // random seed for the generated library (default 1)
	// Shards, when above 1, spreads the servers over that many gateway
	// shards: server g goes to shard g % Shards.
	Shards int
}

func (c *WorldConfig) defaults() {
	if c.Guilds <= 0 {
		c.Guilds = 4
	}
	if c.Members <= 0 {
		c.Members = 100
	}
	if c.Stories <= 0 {
		c.Stories = 1000
	}
	if c.Seed == 0 {
		c.Seed = 1
	}
}

// World is a discordtest server seeded with servers, channels and members,
// and a database (not open: the bot process holds it) with their library.
type World struct {
	Srv *discordtest.Server
	DB  string
	// Watch, when set, is how Run learns that answers arrived (the bot
	// must use Watch.URL as its base URL); otherwise Run waits on the
	// server.
	Watch  *Watcher
	Guilds []*Guild
	// SeedTime is how long generating and storing the library took.
	SeedTime time.Duration
	// Chapters and Bytes count the library's chapters and text.
	Chapters, Bytes int
}

// Guild is one seeded server.
type Guild struct {
	Guild   *discordgo.Guild
	General *discordgo.Channel // text channel
	NSFW    *discordgo.Channel // age-restricted text channel
	Members []*discordgo.Member
	Stories []Story
}

// Story is one story of a server's library, with a message carrying its
// card buttons (Kudos, Add to reading list) to click.
type Story struct {
	ID       string
	Title    string
	Adult    bool // Mature, Explicit or Not Rated: excerpted only in NSFW
	Chapters int
	Card     *discordtest.Message
	AddedBy  string
}

// NewWorld seeds srv and a new database at db (a BoltDB path that must not
// exist, or the URL of an empty PostgreSQL database: store.Open decides) with
// cfg's servers, members and generated stories (each imported the way
// /story add stores it: commands.IndexChapters, then shelf.Stories.AddStory).
func NewWorld(t testing.TB, srv *discordtest.Server, db string, cfg WorldConfig) *World {
	t.Helper()
	cfg.defaults()
	w := &World{Srv: srv, DB: db}
	rng := rand.New(rand.NewPCG(uint64(cfg.Seed), 7))
	for g := range cfg.Guilds {
		var gd *discordgo.Guild
		if cfg.Shards > 1 {
			gd = srv.GuildOnShard(fmt.Sprintf("Fic Server %d", g+1), g%cfg.Shards, cfg.Shards)
		} else {
			gd = srv.AddGuild(fmt.Sprintf("Fic Server %d", g+1))
		}
		gg := &Guild{
			Guild:   gd,
			General: srv.AddChannel(gd.ID, "general", discordgo.ChannelTypeGuildText, false),
			NSFW:    srv.AddChannel(gd.ID, "after-dark", discordgo.ChannelTypeGuildText, true),
		}
		for m := range cfg.Members {
			gg.Members = append(gg.Members, srv.AddMember(gd.ID, fmt.Sprintf("reader%d_%03d", g+1, m), 0))
		}
		w.Guilds = append(w.Guilds, gg)
	}

	start := time.Now()
	st, err := store.Open(context.Background(), db, store.Options{})
	if err != nil {
		t.Fatalf("open store to seed: %v", err)
	}
	defer func() {
		if err := st.Close(); err != nil {
			t.Fatalf("close seeded store: %v", err)
		}
	}()
	at := time.Now().Add(-30 * 24 * time.Hour)
	for i := range cfg.Stories {
		g := w.Guilds[i%len(w.Guilds)]
		s := GenerateStory(rng, i)
		chapters, err := commands.IndexChapters(s)
		if err != nil {
			t.Fatalf("index story %d: %v", i, err)
		}
		adder := g.Members[rng.IntN(len(g.Members))].User.ID
		rec, err := st.AddStory(context.Background(), g.Guild.ID, s, chapters, adder, false, at.Add(time.Duration(i)*time.Minute))
		if err != nil {
			t.Fatalf("add story %d: %v", i, err)
		}
		for _, c := range s.Chapters {
			w.Bytes += len(c.Text)
		}
		w.Chapters += len(s.Chapters)
		g.Stories = append(g.Stories, Story{
			ID: rec.ID, Title: s.Title, Adult: s.Rating.Adult(), Chapters: len(s.Chapters), AddedBy: adder,
			Card: cardMessage(srv, g, rec.ID, s.Title),
		})
	}
	w.SeedTime = time.Since(start)
	return w
}

// cardMessage is a message in g's general channel that carries a story
// card's buttons, as if the bot had posted it earlier; clicking them is
// what members do most.
func cardMessage(srv *discordtest.Server, g *Guild, storyID, title string) *discordtest.Message {
	return &discordtest.Message{Message: discordgo.Message{
		ID:        srv.NewID(),
		ChannelID: g.General.ID,
		GuildID:   g.Guild.ID,
		Author:    srv.BotUser,
		Content:   "📚 " + title,
		Components: []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{
			discordgo.Button{Label: "Kudos (0)", Style: discordgo.SuccessButton, CustomID: commands.CustomID("kudos", storyID)},
			discordgo.Button{Label: "Add to reading list", Style: discordgo.SecondaryButton, CustomID: commands.CustomID("rl-add", storyID)},
		}}},
	}}
}

// Vocabulary for generated stories.
var (
	titleAdj   = []string{"Silver", "Quiet", "Burning", "Lost", "Hollow", "Golden", "Crooked", "Last", "Winter", "Paper", "Salt", "Broken", "Gentle", "Velvet", "Drowned", "Distant", "Copper", "Midnight", "Borrowed", "Wild"}
	titleNoun  = []string{"River", "Crown", "Harbour", "Letters", "Lantern", "Garden", "Orchard", "Tide", "Compass", "Library", "Station", "Bridge", "Ferry", "Archive", "Lighthouse", "Songbird", "Promise", "Atlas", "Kingdom", "Hours"}
	names      = []string{"Ines", "Perpetua", "Marlow", "Ada", "Theo", "Juniper", "Caspian", "Wren", "Idris", "Noor", "Felix", "Rosalind", "Soren", "Maeve", "Tobias", "Ilse", "Kit", "Ottoline", "Ravi", "Sable"}
	fandoms    = []string{"The Ferryman Cycle", "Lanternfall", "Saltwater Academy", "Crown of Paper", "Orchard Street", "The Copper Archive"}
	tags       = []string{"Slow Burn", "Found Family", "Hurt/Comfort", "Fluff", "Angst", "Enemies to Lovers", "Canon Divergence", "Road Trip", "Pining", "Happy Ending"}
	subjects   = []string{"the river", "the old ferryman", "her sister", "the lantern", "a gull", "the wind", "the captain", "his mother", "the library clerk", "the stranger", "the orchard", "the tide"}
	verbs      = []string{"watched", "remembered", "carried", "forgot", "followed", "answered", "touched", "crossed", "counted", "waited for", "called to", "folded"}
	objects    = []string{"the rope", "a letter", "the harbour lights", "the last ferry", "a cracked compass", "the map", "the silence", "an apple", "the morning", "the brass key", "the long road", "every passenger"}
	adverbs    = []string{"slowly", "without a word", "twice", "before dawn", "at last", "again", "in the rain", "carefully", "as if it mattered", "for a long time"}
	dialogue   = []string{"You’ll catch your death out here", "I didn’t think you’d come back", "Don’t tell Mr. Hale", "It isn’t far now", "We can’t stay", "Look at the water", "Dr. Amsel said it would pass", "Nobody rows at night"}
	ratingPick = []fic.Rating{fic.RatingGeneral, fic.RatingGeneral, fic.RatingGeneral, fic.RatingGeneral, fic.RatingTeen, fic.RatingTeen, fic.RatingTeen, fic.RatingMature, fic.RatingExplicit, fic.RatingNotRated}
)

func pick[T any](rng *rand.Rand, xs []T) T { return xs[rng.IntN(len(xs))] }

// GenerateStory returns the i-th generated story: a varied title, authors,
// fandom, rating, tags and 1–6 chapters of prose (1.5–7 KB each) with
// dialogue in curly quotes and abbreviations, so sentence segmentation and
// passages see realistic text.
func GenerateStory(rng *rand.Rand, i int) *fic.Story {
	title := fmt.Sprintf("The %s %s", pick(rng, titleAdj), pick(rng, titleNoun))
	switch rng.IntN(3) {
	case 1:
		title = fmt.Sprintf("%s of the %s %s", pick(rng, titleNoun), pick(rng, titleAdj), pick(rng, titleNoun))
	case 2:
		title = fmt.Sprintf("%s and the %s", pick(rng, names), pick(rng, titleNoun))
	}
	title = fmt.Sprintf("%s %d", title, i+1)
	s := &fic.Story{
		Title:    title,
		Authors:  []string{strings.ToLower(pick(rng, names)) + fmt.Sprint(rng.IntN(100))},
		Fandoms:  []string{pick(rng, fandoms)},
		Rating:   pick(rng, ratingPick),
		Warnings: []string{fic.WarningNoneApply},
		Tags:     []string{pick(rng, tags), pick(rng, tags)},
		Summary:  fmt.Sprintf("%s %s %s %s.", pick(rng, names), pick(rng, verbs), pick(rng, objects), pick(rng, adverbs)),
		Language: "English",
	}
	chapters := 1 + rng.IntN(6)
	for c := range chapters {
		s.Chapters = append(s.Chapters, fic.Chapter{
			Title: fmt.Sprintf("Chapter %d: %s", c+1, pick(rng, titleNoun)),
			Text:  prose(rng, 1500+rng.IntN(5500)),
		})
	}
	s.ChaptersExpected = chapters
	if rng.IntN(4) == 0 {
		s.ChaptersExpected = 0 // work in progress
	}
	s.Finish()
	return s
}

// prose returns paragraphs of generated sentences, about size bytes.
func prose(rng *rand.Rand, size int) string {
	var b strings.Builder
	for b.Len() < size {
		if b.Len() > 0 {
			b.WriteString("\n\n")
		}
		for n := 2 + rng.IntN(5); n > 0; n-- {
			if rng.IntN(5) == 0 {
				fmt.Fprintf(&b, "“%s,” said %s. ", pick(rng, dialogue), pick(rng, names))
				continue
			}
			sub := pick(rng, subjects)
			fmt.Fprintf(&b, "%s%s %s %s %s", strings.ToUpper(sub[:1]), sub[1:], pick(rng, verbs), pick(rng, objects), pick(rng, adverbs))
			switch rng.IntN(6) {
			case 0:
				fmt.Fprintf(&b, ", and %s %s %s", pick(rng, names), pick(rng, verbs), pick(rng, objects))
			case 1:
				b.WriteString(" while the bells of St. Anselm rang")
			}
			b.WriteString(pick(rng, []string{". ", ". ", ". ", "! ", "? "}))
		}
	}
	return strings.TrimSpace(b.String())
}
