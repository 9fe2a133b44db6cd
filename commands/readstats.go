package commands

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/bwmarrin/discordgo"

	"ficshelf/readstats"
	"ficshelf/shelf"
)

// The earliest year /readinglist stats answers for (before Ficshelf).
const firstStatsYear = 2000

func listStatsOption() *discordgo.ApplicationCommandOption {
	minYear := float64(firstStatsYear)
	return &discordgo.ApplicationCommandOption{
		Type:        discordgo.ApplicationCommandOptionSubCommand,
		Name:        "stats",
		Description: "A member's reading in a year: stories finished by month, top fandoms, kudos, streaks",
		Options: []*discordgo.ApplicationCommandOption{
			{Type: discordgo.ApplicationCommandOptionUser, Name: "member", Description: "Whose reading (default: yours)"},
			{Type: discordgo.ApplicationCommandOptionInteger, Name: "year", Description: "Which year (default: this one)", MinValue: &minYear, MaxValue: 3000},
		},
	}
}

// describedFile is a file's content with its attachment description (alt
// text), which the bot sends in the payload's attachments list
// (bot.AttachmentDescriber).
type describedFile struct {
	*bytes.Reader
	desc string
}

// AttachmentDescription implements bot.AttachmentDescriber.
func (d describedFile) AttachmentDescription() string { return d.desc }

// listStats is /readinglist stats: a member's year (default: the caller's,
// this year in the server's time zone) as a bar chart of the stories
// finished by month, with the same figures in text and as the image's alt
// text. Ephemeral, like every personal view.
func (c *cmds) listStats(ctx context.Context, req *Request) (*discordgo.InteractionResponse, error) {
	userID, name := req.UserID, "Your"
	if u := req.User("member"); u != nil && u.ID != req.UserID {
		userID = u.ID
		name = "<@" + u.ID + ">'s"
	}
	loc, zoneName, err := c.zone(ctx, req.GuildID)
	if err != nil {
		return nil, err
	}
	now := c.now().In(loc)
	year := now.Year()
	if y, ok := req.Int("year"); ok {
		if y < firstStatsYear || y > int64(now.Year()) {
			return nil, Errorf("Pick a year from %d to %d.", firstStatsYear, now.Year())
		}
		year = int(y)
	}
	return c.runHeavy(ctx, req, heavyJob{pool: c.pools.Export, limits: c.pools.ExportLimits, what: "draw reading statistics", ephemeral: true,
		run: func(ctx context.Context) (*discordgo.InteractionResponse, error) {
			resp, err := c.listStatsWork(ctx, req, userID, name, loc, zoneName, year)
			var ue *UserError
			if errors.As(err, &ue) {
				return Ephemeral(ue.Message), nil
			}
			return resp, err
		}})
}

// listStatsWork reads a member's year and draws its chart, in a slot of
// the export pool.
func (c *cmds) listStatsWork(ctx context.Context, req *Request, userID, name string, loc *time.Location, zoneName string, year int) (*discordgo.InteractionResponse, error) {
	from := time.Date(year, 1, 1, 0, 0, 0, 0, loc)
	act, err := c.readlog.ReadingActivity(ctx, req.GuildID, userID, from, from.AddDate(1, 0, 0))
	if err != nil {
		return nil, fmt.Errorf("reading activity: %w", err)
	}
	in := readstats.Input{Progress: act.Progress, Kudos: act.Kudos}
	for _, f := range act.Finished {
		rec, err := c.stories.Story(ctx, req.GuildID, f.StoryID)
		if errors.Is(err, shelf.ErrNotFound) {
			continue // removed since
		}
		if err != nil {
			return nil, fmt.Errorf("story %s: %w", f.StoryID, err)
		}
		st := rec.Story
		in.Finished = append(in.Finished, readstats.Finish{Title: st.Title, At: f.At, Words: st.Words,
			Fandoms: st.Fandoms, Relationships: st.Relationships, Rating: st.Rating})
	}
	stats := readstats.Compute(year, loc, in)
	png, alt, err := readstats.Chart(stats, 0, 0)
	if err != nil {
		return nil, fmt.Errorf("chart: %w", err)
	}
	content := fmt.Sprintf("**%s reading in %d** (dates in %s)\n%s", name, year, zoneName, stats.Text())
	r := Ephemeral(content)
	r.Data.Files = []*discordgo.File{{Name: fmt.Sprintf("reading-%d.png", year), ContentType: "image/png",
		Reader: describedFile{Reader: bytes.NewReader(png), desc: alt}}}
	return r, nil
}

// ReadingLogExport is a member's reading log in /mydata export.
type ReadingLogExport struct {
	Finished []shelf.FinishedEntry `json:"finished,omitempty"`
	Progress []time.Time           `json:"progress,omitempty"`
}

// readingLogExport reads user's whole reading log; nil when empty.
func (c *cmds) readingLogExport(ctx context.Context, guild, user string) (*ReadingLogExport, error) {
	act, err := c.readlog.ReadingActivity(ctx, guild, user, time.Unix(0, 0), time.Unix(0, math.MaxInt64))
	if err != nil {
		return nil, fmt.Errorf("reading log: %w", err)
	}
	if len(act.Finished) == 0 && len(act.Progress) == 0 {
		return nil, nil
	}
	return &ReadingLogExport{Finished: act.Finished, Progress: act.Progress}, nil
}
