package jobs

import (
	"context"
	"fmt"
	"slices"

	"github.com/bwmarrin/discordgo"

	"ficshelf/bot"
	"ficshelf/shelf"
)

// Gated clubs: each checkpoint is discussed in a private thread (type 12,
// which cannot hang on the announcement, so it opens with a message of its
// own) that the host and the members who have read the checkpoint's last
// chapter are added to; the others are added as their progress reaches it
// (package commands). Members with Manage Threads see it anyway.

// PrivateThreads is what a gated club's checkpoint needs of Discord
// besides CheckpointDiscord (package bot implements it). Without it, a
// gated club's checkpoints get ordinary threads.
type PrivateThreads interface {
	CreatePrivateThread(ctx context.Context, channelID, name string) (*discordgo.Channel, error)
	AddThreadMember(ctx context.Context, threadID, userID string) error
	ActiveThreads(ctx context.Context, guildID string) ([]*discordgo.Channel, error)
}

// GatedWording is the opening message of a gated checkpoint's thread
// (package commands writes it).
type GatedWording interface {
	ThreadStarter(club shelf.Club, cp shelf.Checkpoint) *discordgo.MessageSend
}

// ReachedBy lists the checkpoints of club with a discussion thread whose
// last chapter a member's progress reached by moving from chapter from to
// chapter to: the threads of a gated club they are to be added to.
func ReachedBy(club shelf.Club, from, to int) []shelf.Checkpoint {
	var out []shelf.Checkpoint
	for _, cp := range club.Checkpoints {
		if cp.ThreadID != "" && cp.Last > from && cp.Last <= to {
			out = append(out, cp)
		}
	}
	return out
}

// fireGated opens checkpoint d's private thread (or finds the one an
// earlier attempt opened), posts its opening message once, adds the host
// and the members who have read that far, and records the thread.
func (k *Checkpoints) fireGated(ctx context.Context, d shelf.DueCheckpoint, club shelf.Club, cp shelf.Checkpoint, pt PrivateThreads) error {
	name := bot.ThreadName(k.words.ThreadName(club, cp))
	var th *discordgo.Channel
	active, err := pt.ActiveThreads(ctx, club.GuildID)
	if err != nil {
		if !bot.Permanent(err) {
			return fmt.Errorf("look for an earlier private thread: %w", err)
		}
		k.log.Warn("cannot list active threads; creating the checkpoint's thread without looking", "guild", d.GuildID, "club", d.ClubID, "err", err)
	}
	for _, t := range active {
		if t.ParentID == club.ChannelID && t.Name == name && t.Type == discordgo.ChannelTypeGuildPrivateThread {
			th = t
		}
	}
	if th == nil {
		th, err = pt.CreatePrivateThread(ctx, club.ChannelID, name)
		if err != nil {
			if bot.Permanent(err) {
				k.log.Warn("gated checkpoint announced without a thread", "guild", d.GuildID, "club", d.ClubID, "checkpoint", d.Number, "err", err)
				return k.store.SkipCheckpoint(ctx, d.GuildID, d.ClubID, d.Number, "announced; no private thread: "+err.Error())
			}
			return fmt.Errorf("create private checkpoint thread: %w", err)
		}
	}
	if gw, ok := k.words.(GatedWording); ok {
		own, err := k.discord.OwnMessages(ctx, th.ID, 10)
		if err != nil {
			return fmt.Errorf("look for the thread's opening message: %w", err)
		}
		if len(own) == 0 {
			if _, err := k.discord.SendMessageOnce(ctx, th.ID, CheckpointNonce(d.GuildID, d.ClubID, d.Number)+"t", gw.ThreadStarter(club, cp)); err != nil {
				return fmt.Errorf("open the private thread: %w", err)
			}
		}
	}
	members, err := k.store.ClubMembers(ctx, d.GuildID, d.ClubID)
	if err != nil {
		return err
	}
	add := []string{club.HostID}
	for _, m := range members {
		if m.UserID != club.HostID && m.Chapter >= cp.Last {
			add = append(add, m.UserID)
		}
	}
	if err := AddToThread(ctx, pt, th.ID, add); err != nil {
		if !bot.Permanent(err) {
			return err
		}
		k.log.Warn("gated checkpoint thread opened without its members (missing access?)", "guild", d.GuildID, "club", d.ClubID, "checkpoint", d.Number, "err", err)
	}
	if err := k.store.CheckpointDone(ctx, d.GuildID, d.ClubID, d.Number, th.ID); err != nil {
		return err
	}
	// A member whose progress reached the checkpoint between the read
	// above and the thread's being recorded is added now (one recorded
	// after it is added by /club progress, which reads the thread after
	// recording the progress).
	again, err := k.store.ClubMembers(ctx, d.GuildID, d.ClubID)
	if err != nil {
		k.log.Warn("re-read club members for a private thread", "guild", d.GuildID, "club", d.ClubID, "err", err)
		return nil
	}
	var late []string
	for _, m := range again {
		if m.Chapter >= cp.Last && !slices.Contains(add, m.UserID) {
			late = append(late, m.UserID)
		}
	}
	if err := AddToThread(ctx, pt, th.ID, late); err != nil {
		k.log.Warn("add members to a private thread", "guild", d.GuildID, "club", d.ClubID, "err", err)
	}
	return nil
}

// AddToThread adds users to a thread; a user who left the server is
// passed over.
func AddToThread(ctx context.Context, pt PrivateThreads, threadID string, users []string) error {
	for _, u := range users {
		err := pt.AddThreadMember(ctx, threadID, u)
		if code, _ := bot.RESTCode(err); err != nil && code != discordgo.ErrCodeUnknownUser && code != discordgo.ErrCodeUnknownMember {
			return fmt.Errorf("add a member to the thread: %w", err)
		}
	}
	return nil
}
