package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/bwmarrin/discordgo"

	"ficshelf/bot"
	"ficshelf/shelf"
)

// Club polls: when a poll of nominations ends (its time passed, or it was
// ended early), its final counts are read from Discord, the club starts on
// the winner, and the result is posted, exactly once. Each step is
// recorded before the next: the decision (counts and winner), the club
// (started in the same transaction that records it), the first attempt to
// post the result, and the result's message, which makes the poll done.

const (
	// finalizeGrace is how long after a poll's end its results may still
	// be unfinalized on Discord before the counts as they are are taken.
	finalizeGrace = 2 * time.Minute
	// pollBatch is how many due polls FireDue reads at a time.
	pollBatch = 64
	// finalizeTries and finalizePause: after ending a poll, how often
	// (and how far apart) its message is read again for final results.
	finalizeTries = 8
	finalizePause = 250 * time.Millisecond
)

// errNotFinal says a poll's results are not final on Discord yet.
var errNotFinal = errors.New("poll results not final yet")

// PollStore is what the poll job reads and records.
type PollStore interface {
	shelf.ClubPolls
	Club(ctx context.Context, guild, id string) (shelf.Club, error)
	ActiveClub(ctx context.Context, guild, channel string) (shelf.Club, error)
}

// PollDiscord is what the poll job does on Discord (package bot).
type PollDiscord interface {
	Message(ctx context.Context, channelID, messageID string) (*discordgo.Message, error)
	ExpirePoll(ctx context.Context, channelID, messageID string) error
	SendMessageOnce(ctx context.Context, channelID, nonce string, m *discordgo.MessageSend) (*discordgo.Message, error)
	OwnMessages(ctx context.Context, channelID string, limit int) ([]*discordgo.Message, error)
}

// PollWording is what members read (package commands writes it).
type PollWording interface {
	// Result is the message announcing p's result: club is the club
	// started on the winner (nil when none; active is then the club in
	// the way, if any).
	Result(p shelf.ClubPoll, club, active *shelf.Club, now time.Time) *discordgo.MessageSend
	// IsResult reports whether m (one of the bot's own) is p's result.
	IsResult(m *discordgo.Message, p shelf.ClubPoll) bool
	// IsPoll reports whether m (one of the bot's own) is p's poll.
	IsPoll(m *discordgo.Message, p shelf.ClubPoll) bool
}

// Polls ends club polls: the DueSource of polls.
type Polls struct {
	store   PollStore
	discord PollDiscord
	words   PollWording
	log     *slog.Logger
	// Changed, when set, is called after a club was started (the
	// checkpoint announcer has new checkpoints).
	Changed func()
	// Events, when set, creates the first scheduled event of an events
	// club started on a poll's winner.
	Events *ClubEventer
}

// NewPolls returns the poll job; a nil log discards.
func NewPolls(st PollStore, d PollDiscord, w PollWording, log *slog.Logger) *Polls {
	return &Polls{store: st, discord: d, words: w, log: orDiscard(log)}
}

// NextDue implements DueSource.
func (k *Polls) NextDue(ctx context.Context) (time.Time, bool, error) {
	return k.store.NextClubPollDue(ctx)
}

// FireDue implements DueSource: it finishes every poll due at now, one
// after another. A poll that failed for a passing reason (or whose
// results are not final yet) stays due, and FireDue returns an error so
// the scheduler retries later.
func (k *Polls) FireDue(ctx context.Context, now time.Time) error {
	due, err := k.store.DueClubPolls(ctx, now, pollBatch)
	if err != nil {
		return err
	}
	return fireEach(ctx, due, func(ctx context.Context, d shelf.DueClubPoll) error {
		return k.finish(ctx, d, now)
	}, func(d shelf.DueClubPoll, err error) error {
		if !errors.Is(err, errNotFinal) {
			k.log.Warn("club poll not finished yet; will retry", "guild", d.GuildID, "poll", d.PollID, "err", err)
		}
		return fmt.Errorf("poll %s of guild %s: %w", d.PollID, d.GuildID, err)
	}, goOn)
}

// PollNonce is the nonce of a poll's message (kind "pl") or of its result
// ("pr"): deterministic, at most 25 characters.
func PollNonce(kind, guild, poll string) string {
	return shortNonce(kind, fmt.Sprintf("%s/%s/%s", kind, guild, poll), idNum(guild), idNum(poll))
}

func (k *Polls) finish(ctx context.Context, d shelf.DueClubPoll, now time.Time) error {
	p, err := k.store.ClubPoll(ctx, d.GuildID, d.PollID)
	if err != nil {
		return err
	}
	if p.Done() {
		return nil
	}
	if p.MessageID == "" {
		// The poll was recorded but its message not: look for it (the
		// command crashed in between), else it was never posted.
		msg, _ := findOwn(ctx, k.discord, p.ChannelID, func(m *discordgo.Message) bool { return k.words.IsPoll(m, p) })
		if msg != nil {
			p, err = k.store.UpdateClubPoll(ctx, d.GuildID, d.PollID, func(q *shelf.ClubPoll) error { q.MessageID = msg.ID; return nil })
			if err != nil {
				return err
			}
		} else {
			k.log.Warn("club poll closed: it was never posted", "guild", d.GuildID, "poll", d.PollID)
			_, err := k.store.UpdateClubPoll(ctx, d.GuildID, d.PollID, func(q *shelf.ClubPoll) error { q.Closed = "never posted"; return nil })
			return err
		}
	}
	if !p.Decided {
		counts, gone, err := k.counts(ctx, p, now)
		if err != nil {
			return err
		}
		p, err = k.store.UpdateClubPoll(ctx, d.GuildID, d.PollID, func(q *shelf.ClubPoll) error {
			if gone {
				q.Decided, q.NoClub = true, shelf.NoClubPollGone
				return nil
			}
			q.Decide(counts)
			return nil
		})
		if err != nil {
			return err
		}
	}
	if !p.Settled() {
		w := p.Answer(p.Winner)
		if w == nil {
			return fmt.Errorf("poll %s: winner %d is not an answer", p.ID, p.Winner)
		}
		p, err = k.store.StartPollClub(ctx, d.GuildID, d.PollID, shelf.ClubStart{
			StoryID: w.StoryID, HostID: p.CreatedBy, PerCheckpoint: p.Options.PerCheckpoint, EveryDays: p.Options.EveryDays,
			Starts: startDay(p, now), Timezone: p.Timezone, Gated: p.Options.Gated, Events: p.Options.Events, Now: now,
		})
		if err != nil {
			return err
		}
		if p.ClubID != "" && k.Changed != nil {
			k.Changed()
		}
		if p.ClubID != "" && k.Events != nil && p.Options.Events {
			if club, err := k.store.Club(ctx, d.GuildID, p.ClubID); err == nil {
				if err := k.Events.Ensure(ctx, club, now); err != nil {
					k.log.Warn("club started without its first scheduled event", "guild", d.GuildID, "club", p.ClubID, "err", err)
				}
			}
		}
	}
	return k.postResult(ctx, p, now)
}

// startDay is the club's first day: the poll's starts option, or the day
// the poll ended when that is later (or none was given).
func startDay(p shelf.ClubPoll, now time.Time) string {
	loc, err := shelf.LoadZone(p.Timezone)
	if err != nil {
		loc = time.UTC
	}
	today := now.In(loc).Format("2006-01-02")
	if p.Options.Starts == "" || p.Options.Starts < today {
		return today
	}
	return p.Options.Starts
}

// counts reads the final counts of p's poll from Discord. gone is true
// when the poll's message no longer exists. A poll still running on
// Discord is ended there first, and its results read again for a moment
// until final; counts not marked final are taken once Discord has ended
// the poll, else they are an errNotFinal until finalizeGrace after the
// poll's end.
func (k *Polls) counts(ctx context.Context, p shelf.ClubPoll, now time.Time) (map[int]int, bool, error) {
	msg, err := k.discord.Message(ctx, p.ChannelID, p.MessageID)
	if err != nil {
		if bot.Permanent(err) {
			return nil, true, nil
		}
		return nil, false, fmt.Errorf("read the poll: %w", err)
	}
	if msg.Poll == nil {
		return nil, true, nil
	}
	res := msg.Poll.Results
	// ended: the poll takes no more votes on Discord (it was ended now, or
	// Discord refused to end it because it had ended already).
	ended := res != nil && res.Finalized
	if !ended {
		// Ended early by the button, or its time passed: make sure Discord
		// ends it too.
		err := k.discord.ExpirePoll(ctx, p.ChannelID, p.MessageID)
		_, status := bot.RESTCode(err)
		ended = err == nil || status >= 400 && status < 500
		if err != nil {
			k.log.Info("ending a club poll on Discord failed (it may have ended already)", "guild", p.GuildID, "poll", p.ID, "err", err)
		}
	}
	if res != nil && !res.Finalized {
		// Give Discord a moment to finalize the counts.
		for i := 0; i < finalizeTries && !res.Finalized; i++ {
			if i > 0 {
				time.Sleep(finalizePause)
			}
			if msg2, err := k.discord.Message(ctx, p.ChannelID, p.MessageID); err == nil && msg2.Poll != nil && msg2.Poll.Results != nil {
				res = msg2.Poll.Results
			}
		}
		// Counts not yet marked final are taken once the poll has ended
		// on Discord (no vote can change them), else after a grace.
		if !res.Finalized && !ended && now.Sub(p.Ends) < finalizeGrace {
			return nil, false, errNotFinal
		}
	}
	counts := map[int]int{}
	if res == nil {
		// No results on the message: count each answer's voters.
		vc, ok := k.discord.(PollVoterCounter)
		if !ok {
			return nil, false, errors.New("the poll's message carries no results")
		}
		for _, a := range p.Answers {
			n, err := vc.PollVoterCount(ctx, p.ChannelID, p.MessageID, a.AnswerID)
			if err != nil {
				return nil, false, fmt.Errorf("count the poll's voters: %w", err)
			}
			counts[a.AnswerID] = n
		}
		return counts, false, nil
	}
	for _, c := range res.AnswerCounts {
		if c != nil {
			counts[c.ID] = c.Count
		}
	}
	return counts, false, nil
}

// PollVoterCounter counts an answer's voters (package bot), for a poll
// whose message carries no results.
type PollVoterCounter interface {
	PollVoterCount(ctx context.Context, channelID, messageID string, answerID int) (int, error)
}

// postResult posts p's result once (as Checkpoints.post does) and records
// it, which makes the poll done.
func (k *Polls) postResult(ctx context.Context, p shelf.ClubPoll, now time.Time) error {
	first := p.ResultPostingSince
	if first.IsZero() {
		q, err := k.store.UpdateClubPoll(ctx, p.GuildID, p.ID, func(q *shelf.ClubPoll) error {
			if q.ResultPostingSince.IsZero() {
				q.ResultPostingSince = now
			}
			return nil
		})
		if err != nil {
			return err
		}
		first = q.ResultPostingSince
	}
	var sent *discordgo.Message
	if now.Sub(first) >= bot.NonceTrust {
		var err error
		if sent, err = findOwn(ctx, k.discord, p.ChannelID, func(m *discordgo.Message) bool { return k.words.IsResult(m, p) }); err != nil {
			return fmt.Errorf("look for an earlier result: %w", err)
		}
	}
	if sent == nil {
		var club, active *shelf.Club
		if p.ClubID != "" {
			if c, err := k.store.Club(ctx, p.GuildID, p.ClubID); err == nil {
				club = &c
			}
		} else if p.NoClub == shelf.NoClubActive {
			if c, err := k.store.ActiveClub(ctx, p.GuildID, p.ChannelID); err == nil {
				active = &c
			}
		}
		m, err := k.discord.SendMessageOnce(ctx, p.ChannelID, PollNonce("pr", p.GuildID, p.ID), k.words.Result(p, club, active, now))
		if err != nil {
			if bot.Permanent(err) {
				k.log.Warn("club poll result not posted: cannot post in its channel", "guild", p.GuildID, "poll", p.ID, "err", err)
				_, uerr := k.store.UpdateClubPoll(ctx, p.GuildID, p.ID, func(q *shelf.ClubPoll) error { q.Closed = "result not posted: " + err.Error(); return nil })
				return uerr
			}
			return fmt.Errorf("post the result: %w", err)
		}
		sent = m
	}
	_, err := k.store.UpdateClubPoll(ctx, p.GuildID, p.ID, func(q *shelf.ClubPoll) error { q.ResultMessageID = sent.ID; return nil })
	return err
}
