package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"

	"ficshelf/bot"
	"ficshelf/shelf"
)

// Checkpoint announcements: when a club's checkpoint opens, its
// announcement is posted in the club's channel and a discussion thread is
// opened on it, exactly once.
const (
	// lateAfter is how long after its time a checkpoint's announcement
	// counts as late (the bot was away) and says so.
	lateAfter = 15 * time.Minute
	// fireWorkers announce checkpoints of different clubs in parallel;
	// one club's checkpoints are announced in order by one worker.
	fireWorkers = 8
	// dueBatch is how many due checkpoints FireDue reads at a time.
	dueBatch = 512
	// errThreadExists is Discord's 160004: a thread was already created
	// for this message.
	errThreadExists = 160004
)

// CheckpointStore is what the announcer reads and records.
type CheckpointStore interface {
	shelf.Checkpoints
	Club(ctx context.Context, guild, id string) (shelf.Club, error)
	ClubMembers(ctx context.Context, guild, club string) ([]shelf.ClubMember, error)
	EndClub(ctx context.Context, guild, club, by string, now time.Time) (shelf.Club, error)
}

// CheckpointDiscord is what the announcer does on Discord (package bot
// implements it).
type CheckpointDiscord interface {
	SendMessageOnce(ctx context.Context, channelID, nonce string, m *discordgo.MessageSend) (*discordgo.Message, error)
	OwnMessages(ctx context.Context, channelID string, limit int) ([]*discordgo.Message, error)
	StartThread(ctx context.Context, channelID, messageID, name string) (*discordgo.Channel, error)
}

// CheckpointWording is what a member reads (package commands writes it):
// the announcement, how to recognise one already posted, and the thread's
// name (at most 100 characters).
type CheckpointWording interface {
	Announcement(club shelf.Club, cp shelf.Checkpoint, members []shelf.ClubMember, late bool) *discordgo.MessageSend
	IsAnnouncement(m *discordgo.Message, club shelf.Club, n int) bool
	ThreadName(club shelf.Club, cp shelf.Checkpoint) string
}

// Checkpoints announces club checkpoints when their time comes: it is the
// DueSource the Scheduler runs. Each checkpoint is announced once: the
// first attempt is recorded, the message goes out with a nonce derived
// from the checkpoint (Discord returns the first message for a repeat),
// its ID is recorded, then the thread is opened on it (a thread that
// already exists on it is taken as its own) and recorded together with
// the checkpoint's leaving the due index.
type Checkpoints struct {
	store   CheckpointStore
	discord CheckpointDiscord
	words   CheckpointWording
	log     *slog.Logger
	// Events, when set, keeps events clubs' scheduled events as their
	// checkpoints open (events.go).
	Events *ClubEventer
}

// NewCheckpoints returns the announcer; a nil log discards.
func NewCheckpoints(st CheckpointStore, d CheckpointDiscord, w CheckpointWording, log *slog.Logger) *Checkpoints {
	return &Checkpoints{store: st, discord: d, words: w, log: orDiscard(log)}
}

// NextDue implements DueSource: one read of the due index.
func (k *Checkpoints) NextDue(ctx context.Context) (time.Time, bool, error) {
	return k.store.NextCheckpointDue(ctx)
}

// FireDue implements DueSource: it announces every checkpoint due at now,
// clubs in parallel, each club's checkpoints in order. A checkpoint that
// failed for a passing reason stays due and FireDue returns an error (the
// scheduler retries later); one that can never be announced (its channel
// is gone) is skipped with the reason recorded.
func (k *Checkpoints) FireDue(ctx context.Context, now time.Time) error {
	for {
		due, err := k.store.DueCheckpoints(ctx, now, dueBatch)
		if err != nil {
			return err
		}
		if len(due) == 0 {
			return nil
		}
		groups := map[string][]shelf.DueCheckpoint{}
		var order []string
		for _, d := range due {
			g := d.GuildID + "/" + d.ClubID
			if _, ok := groups[g]; !ok {
				order = append(order, g)
			}
			groups[g] = append(groups[g], d)
		}
		work := make(chan []shelf.DueCheckpoint)
		var (
			wg       sync.WaitGroup
			mu       sync.Mutex
			firstErr error
			failed   int
		)
		fire := func(ctx context.Context, d shelf.DueCheckpoint) error { return k.fire(ctx, d, now) }
		failure := func(d shelf.DueCheckpoint, err error) error {
			k.log.Warn("checkpoint not announced yet; will retry", "guild", d.GuildID, "club", d.ClubID, "checkpoint", d.Number, "err", err)
			mu.Lock()
			failed++
			if firstErr == nil {
				firstErr = err
			}
			mu.Unlock()
			return err
		}
		for range min(fireWorkers, len(order)) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for list := range work {
					// Shutdown stops a club's list between checkpoints
					// (counted once, below); a failure leaves the club's
					// later checkpoints waiting for it.
					_ = fireEach(ctx, list, fire, failure, stopHere)
				}
			}()
		}
		for _, g := range order {
			if ctx.Err() != nil {
				break
			}
			work <- groups[g]
		}
		close(work)
		wg.Wait()
		if firstErr != nil {
			return fmt.Errorf("%d checkpoint(s) failed: %w", failed, firstErr)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if len(due) < dueBatch {
			return nil
		}
	}
}

// CheckpointNonce is the announcement's nonce: deterministic per guild,
// club and checkpoint, at most 25 characters.
func CheckpointNonce(guild, club string, n int) string {
	return shortNonce("ck", fmt.Sprintf("%s/%s/%d", guild, club, n), idNum(guild), idNum(club), uint64(n))
}

func (k *Checkpoints) fire(ctx context.Context, d shelf.DueCheckpoint, now time.Time) error {
	club, err := k.store.Club(ctx, d.GuildID, d.ClubID)
	if errors.Is(err, shelf.ErrNotFound) {
		return k.store.DropDueCheckpoint(ctx, d)
	}
	if err != nil {
		return err
	}
	if !club.Active() || d.Number < 1 || d.Number > len(club.Checkpoints) {
		return k.store.DropDueCheckpoint(ctx, d)
	}
	cp := club.Checkpoints[d.Number-1]
	if cp.Done() || !cp.Opens.Equal(d.At) {
		return k.store.DropDueCheckpoint(ctx, d)
	}
	msgID := cp.MessageID
	if msgID == "" {
		members, err := k.store.ClubMembers(ctx, d.GuildID, d.ClubID)
		if err != nil {
			return err
		}
		since := cp.Opens
		if club.CreatedAt.After(since) {
			since = club.CreatedAt
		}
		late := now.Sub(since) > lateAfter
		sent, err := k.post(ctx, d, club, k.words.Announcement(club, cp, members, late), now)
		if err != nil {
			if bot.ChannelGone(err) {
				k.log.Warn("club ended: its channel is gone", "guild", d.GuildID, "club", d.ClubID, "channel", club.ChannelID, "err", err)
				if _, err := k.store.EndClub(ctx, d.GuildID, d.ClubID, "", now); err != nil && !errors.Is(err, shelf.ErrClubEnded) {
					return err
				}
				return nil
			}
			if bot.Permanent(err) {
				k.log.Warn("checkpoint skipped: cannot post in its channel", "guild", d.GuildID, "club", d.ClubID, "checkpoint", d.Number, "err", err)
				return k.store.SkipCheckpoint(ctx, d.GuildID, d.ClubID, d.Number, "could not post: "+err.Error())
			}
			return fmt.Errorf("post announcement: %w", err)
		}
		if err := k.store.CheckpointPosted(ctx, d.GuildID, d.ClubID, d.Number, sent.ID, late, now); err != nil {
			return err
		}
		msgID = sent.ID
	}
	if k.Events != nil && club.Events {
		if err := k.Events.Opened(ctx, club, cp.Number, now); err != nil {
			return err
		}
	}
	if pt, ok := k.discord.(PrivateThreads); ok && club.Gated {
		return k.fireGated(ctx, d, club, cp, pt) // gated.go
	}
	threadID := ""
	th, err := k.discord.StartThread(ctx, club.ChannelID, msgID, k.words.ThreadName(club, cp))
	switch code, _ := bot.RESTCode(err); {
	case err == nil:
		threadID = th.ID
	case code == errThreadExists:
		threadID = msgID // a thread started on a message has the message's ID
	case bot.Permanent(err):
		k.log.Warn("checkpoint announced without a thread", "guild", d.GuildID, "club", d.ClubID, "checkpoint", d.Number, "err", err)
		return k.store.SkipCheckpoint(ctx, d.GuildID, d.ClubID, d.Number, "announced; no thread: "+err.Error())
	default:
		return fmt.Errorf("start checkpoint thread: %w", err)
	}
	return k.store.CheckpointDone(ctx, d.GuildID, d.ClubID, d.Number, threadID)
}

// post posts checkpoint d's announcement m, exactly once. The first
// attempt is recorded before it is made; a retry within bot.NonceTrust of it
// relies on the nonce (Discord returns the first post), a later one (the
// bot crashed between posting and recording, and was away for minutes)
// first looks for that post among the channel's latest messages.
func (k *Checkpoints) post(ctx context.Context, d shelf.DueCheckpoint, club shelf.Club, m *discordgo.MessageSend, now time.Time) (*discordgo.Message, error) {
	first, err := k.store.CheckpointPosting(ctx, d.GuildID, d.ClubID, d.Number, now)
	if err != nil {
		return nil, err
	}
	if now.Sub(first) >= bot.NonceTrust {
		msg, err := findOwn(ctx, k.discord, club.ChannelID, func(m *discordgo.Message) bool { return k.words.IsAnnouncement(m, club, d.Number) })
		if err != nil {
			return nil, fmt.Errorf("look for an earlier announcement: %w", err)
		}
		if msg != nil {
			k.log.Info("checkpoint announcement found posted by an earlier attempt", "guild", d.GuildID, "club", d.ClubID, "checkpoint", d.Number, "message", msg.ID)
			return msg, nil
		}
	}
	return k.discord.SendMessageOnce(ctx, club.ChannelID, CheckpointNonce(d.GuildID, d.ClubID, d.Number), m)
}
