package loadtest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"ficshelf/commands"
	"ficshelf/discordtest"
	"ficshelf/fic"
	"ficshelf/shelf"
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

	// BigStories, when above 0, adds one more server, the big one, after
	// the others (so the others' IDs and libraries are the same with and
	// without it): BigStories short stories (one chapter of 1–2 KB; the
	// per-request costs it measures grow with the number of stories, not
	// their length), BigMembers members (default 1,000), BigKudos kudos
	// from distinct members spread evenly over the seven days before the
	// seeding (popular stories get more: a story's share falls with its
	// rank), and BigListEntries reading-list entries per member (default
	// 10).
	BigStories, BigKudos, BigMembers, BigListEntries int
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
	if c.BigStories > 0 {
		if c.BigMembers <= 0 {
			c.BigMembers = 1000
		}
		if c.BigListEntries <= 0 {
			c.BigListEntries = 10
		}
	} else {
		c.BigStories, c.BigKudos, c.BigMembers, c.BigListEntries = 0, 0, 0, 0
	}
}

// bigStories is the big server's stories, 0 without one.
func (c WorldConfig) bigStories() int { return max(c.BigStories, 0) }

// validate rejects a big server that cannot hold its kudos (one per
// member and story).
func (c WorldConfig) validate() error {
	if c.BigStories > 0 && int64(c.BigKudos) > int64(c.BigStories)*int64(c.BigMembers)/2 {
		return fmt.Errorf("big server: %d kudos need more than %d stories × %d members / 2 (each member gives a story kudos once)",
			c.BigKudos, c.BigStories, c.BigMembers)
	}
	return nil
}

// World is a discordtest server seeded with servers, channels and members,
// and a database (not open: the bot process holds it) with their library.
type World struct {
	Srv *discordtest.Server
	DB  string
	// Watch, when set, is how Run learns that answers arrived (the bot
	// must use Watch.URL as its base URL); otherwise Run waits on the
	// server.
	Watch *Watcher
	// Guilds are the servers in the order they were added, the big one
	// (if any) last.
	Guilds []*Guild
	// Big is the big server (WorldConfig.BigStories), nil without one.
	Big *Guild
	// BigShare is the share of Build's interactions aimed at the big
	// server (0: as likely as any other server).
	BigShare float64
	// SeedTime is how long generating and storing the library took (for a
	// reused -keepdb database: how long it took when it was seeded).
	SeedTime time.Duration
	// Reused says the database was seeded by an earlier run (-keepdb).
	Reused bool
	// SeededAt is when the library was seeded: the big server's kudos lie
	// in the seven days before.
	SeededAt time.Time
	// Chapters and Bytes count the library's chapters and text; Kudos and
	// ListEntries the seeded kudos and reading-list entries.
	Chapters, Bytes, Kudos, ListEntries int
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
	ID       string               `json:"id"`
	Title    string               `json:"title"`
	Adult    bool                 `json:"adult,omitempty"` // Mature, Explicit or Not Rated: excerpted only in NSFW
	Chapters int                  `json:"chapters"`
	Card     *discordtest.Message `json:"-"`
	AddedBy  string               `json:"added_by"`
}

// NewWorld seeds srv and a new database at db (a BoltDB path that must not
// exist, or the URL of an empty PostgreSQL database: store.Open decides) with
// cfg's servers, members and generated library. The library goes in
// through the engines' bulk path (shelf.Copier's Load, what "ficshelf
// copy" uses: one transaction, every derived index written by the
// engine), each story prepared the way /story add prepares it
// (commands.IndexChapters, shelf.PrepareStory).
func NewWorld(t testing.TB, srv *discordtest.Server, db string, cfg WorldConfig) *World {
	t.Helper()
	cfg.defaults()
	if err := cfg.validate(); err != nil {
		t.Fatal(err)
	}
	w := newServers(srv, db, cfg)
	start := time.Now()
	w.SeededAt = start
	if err := w.seed(context.Background(), cfg); err != nil {
		t.Fatalf("seed %s: %v", redact(db), err)
	}
	w.SeedTime = time.Since(start)
	w.cards()
	return w
}

// newServers adds cfg's servers, channels and members to srv. discordtest
// hands out IDs in sequence, so the same configuration on a new server
// gets the same IDs (what lets -keepdb reuse a database).
func newServers(srv *discordtest.Server, db string, cfg WorldConfig) *World {
	w := &World{Srv: srv, DB: db}
	add := func(g int, name string, members int, prefix string) *Guild {
		var gd *discordgo.Guild
		if cfg.Shards > 1 {
			gd = srv.GuildOnShard(name, g%cfg.Shards, cfg.Shards)
		} else {
			gd = srv.AddGuild(name)
		}
		gg := &Guild{
			Guild:   gd,
			General: srv.AddChannel(gd.ID, "general", discordgo.ChannelTypeGuildText, false),
			NSFW:    srv.AddChannel(gd.ID, "after-dark", discordgo.ChannelTypeGuildText, true),
		}
		for m := range members {
			gg.Members = append(gg.Members, srv.AddMember(gd.ID, fmt.Sprintf("%s_%03d", prefix, m), 0))
		}
		w.Guilds = append(w.Guilds, gg)
		return gg
	}
	for g := range cfg.Guilds {
		add(g, fmt.Sprintf("Fic Server %d", g+1), cfg.Members, fmt.Sprintf("reader%d", g+1))
	}
	if cfg.BigStories > 0 {
		w.Big = add(cfg.Guilds, "The Big Library", cfg.BigMembers, "bigreader")
	}
	return w
}

// cards gives every story a card message to click.
func (w *World) cards() {
	for _, g := range w.Guilds {
		for i := range g.Stories {
			g.Stories[i].Card = cardMessage(w.Srv, g, g.Stories[i].ID, g.Stories[i].Title)
		}
	}
}

// seed generates the library and loads it into the (empty) database.
func (w *World) seed(ctx context.Context, cfg WorldConfig) (err error) {
	st, err := store.Open(ctx, w.DB, store.Options{})
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	defer func() {
		if cerr := st.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("close store: %w", cerr)
		}
	}()
	cp, ok := st.(shelf.Copier)
	if !ok {
		return fmt.Errorf("store %T has no bulk load (shelf.Copier)", st)
	}
	load, err := cp.Load(ctx)
	if err != nil {
		return err
	}
	defer load.Rollback(ctx)
	rng := rand.New(rand.NewPCG(uint64(cfg.Seed), 7))
	at := w.SeededAt.Add(-30 * 24 * time.Hour)
	next := make([]uint64, len(w.Guilds)) // last story ID per server
	put := func(g int, s *fic.Story, added time.Time) error {
		gg := w.Guilds[g]
		chapters, err := commands.IndexChapters(s)
		if err != nil {
			return fmt.Errorf("index story %q: %w", s.Title, err)
		}
		p, err := shelf.PrepareStory(s, chapters)
		if err != nil {
			return fmt.Errorf("prepare story %q: %w", s.Title, err)
		}
		next[g]++
		id := shelf.FormatID(next[g])
		adder := gg.Members[rng.IntN(len(gg.Members))].User.ID
		rec := shelf.StoryRecord{ID: id, GuildID: gg.Guild.ID, Story: p.Meta, Chapters: p.Infos, AddedBy: adder, AddedAt: added}
		if err := load.Put(ctx, gg.Guild.ID, shelf.Item{Story: &rec}); err != nil {
			return err
		}
		for n, c := range p.Chapters {
			if err := load.Put(ctx, gg.Guild.ID, shelf.Item{Chapter: &shelf.ChapterItem{StoryID: id, Number: n + 1, Chapter: c.Chapter, Sentences: c.Sentences}}); err != nil {
				return err
			}
			w.Bytes += len(c.Chapter.Text)
		}
		w.Chapters += len(p.Chapters)
		gg.Stories = append(gg.Stories, Story{ID: id, Title: p.Meta.Title, Adult: p.Meta.Rating.Adult(), Chapters: len(p.Chapters), AddedBy: adder})
		return nil
	}
	// A minute apart, or closer when that would reach past the seeding.
	step := min(time.Minute, 30*24*time.Hour/time.Duration(cfg.Stories))
	for i := range cfg.Stories {
		if err := put(i%cfg.Guilds, GenerateStory(rng, i), at.Add(time.Duration(i)*step)); err != nil {
			return fmt.Errorf("story %d: %w", i, err)
		}
	}
	var kudos []shelf.KudoItem
	if w.Big != nil {
		if kudos, err = w.seedBig(ctx, load, rng, cfg, put); err != nil {
			return fmt.Errorf("big server: %w", err)
		}
	}
	if st.Engine() == "postgres" {
		// PostgreSQL's bulk load copies kudos in batches and counts them
		// once at Commit: in the load they cost a fraction of GiveKudos.
		for i := range kudos {
			if err := load.Put(ctx, w.Big.Guild.ID, shelf.Item{Kudo: &kudos[i]}); err != nil {
				return fmt.Errorf("big server: kudos %d: %w", i, err)
			}
		}
		w.Kudos += len(kudos)
		kudos = nil
	}
	if err := load.Commit(ctx); err != nil {
		return err
	}
	if err := w.giveKudos(ctx, st, w.Big, kudos); err != nil {
		return fmt.Errorf("big server: %w", err)
	}
	return nil
}

// giveKudos gives the kudos (on BoltDB) from 256 goroutines through the store's
// ordinary write path (on BoltDB, concurrent writes share commits: the more at once, the
// fewer fsyncs). Not
// in the load transaction: there they would be quadratic, because bbolt
// splits no node before the commit and a kudos lands at a random place in
// two of its three indexes (200,000 kudos: 2 minutes of memmove).
func (w *World) giveKudos(ctx context.Context, st shelf.Store, g *Guild, kudos []shelf.KudoItem) error {
	if len(kudos) == 0 {
		return nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	const workers = 256
	var next atomic.Int64
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				k := int(next.Add(1) - 1)
				if k >= len(kudos) {
					return
				}
				kd := kudos[k]
				if _, err := st.GiveKudos(ctx, g.Guild.ID, kd.StoryID, kd.UserID, kd.At); err != nil {
					errs <- fmt.Errorf("kudos %d: %w", k, err)
					cancel()
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return err
	}
	w.Kudos += len(kudos)
	return nil
}

// seedBig puts the big server's stories and reading lists, and returns
// its kudos to give once they are committed (giveKudos).
func (w *World) seedBig(ctx context.Context, load shelf.Loader, rng *rand.Rand, cfg WorldConfig, put func(int, *fic.Story, time.Time) error) ([]shelf.KudoItem, error) {
	big := len(w.Guilds) - 1
	g := w.Big
	// Added over the year before the seeding.
	span := 365 * 24 * time.Hour
	first := w.SeededAt.Add(-span)
	for i := range cfg.BigStories {
		added := first.Add(time.Duration(int64(span) / int64(cfg.BigStories) * int64(i)))
		if err := put(big, GenerateShortStory(rng, cfg.Stories+i), added); err != nil {
			return nil, fmt.Errorf("story %d: %w", i, err)
		}
	}
	// Kudos: story rank r (0 = most popular) is picked with density
	// falling as 1/sqrt: u² of a uniform u.
	week := 7 * 24 * time.Hour
	given := make(map[[2]int]bool, cfg.BigKudos)
	kudos := make([]shelf.KudoItem, 0, cfg.BigKudos)
	for k := 0; k < cfg.BigKudos; {
		u := rng.Float64()
		s := min(int(u*u*float64(cfg.BigStories)), cfg.BigStories-1)
		m := rng.IntN(cfg.BigMembers)
		if given[[2]int{s, m}] {
			continue
		}
		given[[2]int{s, m}] = true
		when := w.SeededAt.Add(-week + time.Duration(int64(week)/int64(cfg.BigKudos)*int64(k)))
		kudos = append(kudos, shelf.KudoItem{StoryID: g.Stories[s].ID, UserID: g.Members[m].User.ID, At: when})
		k++
	}
	statuses := []shelf.Status{shelf.StatusToRead, shelf.StatusReading, shelf.StatusOnHold, shelf.StatusFinished}
	for _, m := range g.Members {
		on := map[int]bool{}
		for len(on) < min(cfg.BigListEntries, len(g.Stories)) {
			s := rng.IntN(len(g.Stories))
			if on[s] {
				continue
			}
			on[s] = true
			st := g.Stories[s]
			when := w.SeededAt.Add(-time.Duration(rng.Int64N(int64(30 * 24 * time.Hour))))
			e := shelf.ListEntryItem{UserID: m.User.ID, Entry: shelf.ListEntry{StoryID: st.ID, Status: pick(rng, statuses), Added: when, Updated: when}}
			if e.Entry.Status == shelf.StatusFinished {
				e.Entry.Chapter, e.FinishedAt = st.Chapters, when
			}
			if err := load.Put(ctx, g.Guild.ID, shelf.Item{ListEntry: &e}); err != nil {
				return nil, fmt.Errorf("reading list of %s: %w", m.User.ID, err)
			}
			w.ListEntries++
		}
	}
	return kudos, nil
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
	s := storyMeta(rng, i)
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

// GenerateShortStory is like GenerateStory with one chapter of 1–2 KB
// (the big server's stories: many, not long).
func GenerateShortStory(rng *rand.Rand, i int) *fic.Story {
	s := storyMeta(rng, i)
	s.Chapters = []fic.Chapter{{Title: "Chapter 1: " + pick(rng, titleNoun), Text: prose(rng, 1000+rng.IntN(1000))}}
	s.ChaptersExpected = 1
	s.Finish()
	return s
}

// storyMeta is the i-th generated story without chapters; the number in
// its title makes every title unique.
func storyMeta(rng *rand.Rand, i int) *fic.Story {
	title := fmt.Sprintf("The %s %s", pick(rng, titleAdj), pick(rng, titleNoun))
	switch rng.IntN(3) {
	case 1:
		title = fmt.Sprintf("%s of the %s %s", pick(rng, titleNoun), pick(rng, titleAdj), pick(rng, titleNoun))
	case 2:
		title = fmt.Sprintf("%s and the %s", pick(rng, names), pick(rng, titleNoun))
	}
	title = fmt.Sprintf("%s %d", title, i+1)
	return &fic.Story{
		Title:    title,
		Authors:  []string{strings.ToLower(pick(rng, names)) + fmt.Sprint(rng.IntN(100))},
		Fandoms:  []string{pick(rng, fandoms)},
		Rating:   pick(rng, ratingPick),
		Warnings: []string{fic.WarningNoneApply},
		Tags:     []string{pick(rng, tags), pick(rng, tags)},
		Summary:  fmt.Sprintf("%s %s %s %s.", pick(rng, names), pick(rng, verbs), pick(rng, objects), pick(rng, adverbs)),
		Language: "English",
	}
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
