package bolt

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	bbolt "go.etcd.io/bbolt"

	"ficshelf/shelf"
)

// Nominations and club polls. Buckets under the guild:
//
//	club_nominations/    <channel u64><user u64> → JSON {story, at}
//	club_polls/          <poll u64> → JSON shelf.ClubPoll
//	club_poll_channels/  <channel u64> → <poll u64>, while the poll is not done
//
// and the global club_poll_due/ <ends ns u64><guild u64><poll u64>, one key
// per poll not done, which the poll job reads. New buckets: no migration.

var (
	bClubNominations  = []byte("club_nominations")
	bClubPolls        = []byte("club_polls")
	bClubPollChannels = []byte("club_poll_channels")
	bucketPollDue     = []byte("club_poll_due")
)

type nominationRec struct {
	Story uint64 `json:"story"`
	At    int64  `json:"at"`
}

func pollDueKey(at time.Time, guild, poll uint64) []byte {
	return key(uint64(at.UnixNano()), guild, poll)
}

func pollDueBucket(tx *bbolt.Tx) (*bbolt.Bucket, error) {
	if b := tx.Bucket(bucketPollDue); b != nil {
		return b, nil
	}
	return tx.CreateBucket(bucketPollDue)
}

// nominationsTx lists a channel's nominations (stories still in the
// library), oldest first, ties by user.
func nominationsTx(g *guildTx, ch uint64) ([]shelf.Nomination, error) {
	var out []shelf.Nomination
	err := forEachPrefix(g.bucket(bClubNominations), u64(ch), func(k, v []byte) error {
		var r nominationRec
		if err := json.Unmarshal(v, &r); err != nil {
			return fmt.Errorf("nomination: %w", err)
		}
		hv := g.get(bHeads, u64(r.Story))
		if hv == nil {
			return nil // the story was removed
		}
		h, err := decodeHead(hv)
		if err != nil {
			return err
		}
		out = append(out, shelf.Nomination{ChannelID: shelf.FormatID(ch), UserID: shelf.FormatID(readU64(k, 1)),
			StoryID: shelf.FormatID(r.Story), StoryTitle: h.title, At: fromNanos(r.At)})
		return nil
	})
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].At.Equal(out[j].At) {
			return out[i].At.Before(out[j].At)
		}
		return len(out[i].UserID) < len(out[j].UserID) || len(out[i].UserID) == len(out[j].UserID) && out[i].UserID < out[j].UserID
	})
	return out, err
}

// Nominate makes story user's nomination in channel.
func (s *Store) Nominate(ctx context.Context, guild, channel, user, story string, at time.Time) (shelf.Nomination, bool, error) {
	var (
		prev shelf.Nomination
		had  bool
	)
	err := func() error {
		ch, err := shelf.ParseID("channel", channel)
		if err != nil {
			return err
		}
		uid, err := shelf.ParseID("user", user)
		if err != nil {
			return err
		}
		sid, err := parseStoryID(story)
		if err != nil {
			return err
		}
		return s.update(ctx, guild, func(g *guildTx) error {
			if g.get(bHeads, u64(sid)) == nil {
				return fmt.Errorf("story %d: %w", sid, shelf.ErrNotFound)
			}
			noms, err := nominationsTx(g, ch)
			if err != nil {
				return err
			}
			others := 0
			for _, n := range noms {
				switch {
				case n.UserID == shelf.FormatID(uid):
					prev, had = n, true
				case n.StoryID == shelf.FormatID(sid):
					prev = n
					return fmt.Errorf("story %d: %w", sid, shelf.ErrAlreadyNominated)
				default:
					others++
				}
			}
			if others >= shelf.MaxNominations {
				return fmt.Errorf("channel %d: %w", ch, shelf.ErrNominationsFull)
			}
			v, err := json.Marshal(nominationRec{Story: sid, At: nanos(at)})
			if err != nil {
				return err
			}
			return g.bucket(bClubNominations).Put(key(ch, uid), v)
		})
	}()
	if err != nil {
		return prev, false, fmt.Errorf("nominate: %w", err)
	}
	return prev, had, nil
}

// Nominations lists a channel's nominations, oldest first.
func (s *Store) Nominations(ctx context.Context, guild, channel string) ([]shelf.Nomination, error) {
	var out []shelf.Nomination
	err := func() error {
		ch, err := shelf.ParseID("channel", channel)
		if err != nil {
			return err
		}
		return s.view(ctx, guild, func(g *guildTx) error {
			out, err = nominationsTx(g, ch)
			return err
		})
	}()
	if err != nil {
		return nil, fmt.Errorf("nominations: %w", err)
	}
	return out, nil
}

func getPoll(g *guildTx, id uint64) (*shelf.ClubPoll, error) {
	v := g.get(bClubPolls, u64(id))
	if v == nil {
		return nil, fmt.Errorf("club poll %d: %w", id, shelf.ErrNotFound)
	}
	var p shelf.ClubPoll
	if err := json.Unmarshal(v, &p); err != nil {
		return nil, fmt.Errorf("club poll %d: %w", id, err)
	}
	return &p, nil
}

// putPoll stores p (whose previous state was old, nil when new) and keeps
// the channel's open poll and the due index in step.
func putPoll(g *guildTx, id uint64, old, p *shelf.ClubPoll) error {
	v, err := json.Marshal(p)
	if err != nil {
		return err
	}
	if err := g.bucket(bClubPolls).Put(u64(id), v); err != nil {
		return err
	}
	ch, err := shelf.ParseID("channel", p.ChannelID)
	if err != nil {
		return err
	}
	due, err := pollDueBucket(g.tx)
	if err != nil {
		return err
	}
	if old != nil && !old.Done() {
		if err := due.Delete(pollDueKey(old.Ends, g.guild, id)); err != nil {
			return err
		}
	}
	if p.Done() {
		if v := g.get(bClubPollChannels, u64(ch)); len(v) == 8 && readU64(v, 0) == id {
			return g.bucket(bClubPollChannels).Delete(u64(ch))
		}
		return nil
	}
	if err := due.Put(pollDueKey(p.Ends, g.guild, id), nil); err != nil {
		return err
	}
	return g.bucket(bClubPollChannels).Put(u64(ch), u64(id))
}

// CreateClubPoll stores a new poll, due at its end.
func (s *Store) CreateClubPoll(ctx context.Context, guild string, p shelf.ClubPoll) (shelf.ClubPoll, error) {
	var out shelf.ClubPoll
	err := func() error {
		ch, err := shelf.ParseID("channel", p.ChannelID)
		if err != nil {
			return err
		}
		if _, err := shelf.ParseID("user", p.CreatedBy); err != nil {
			return err
		}
		return s.update(ctx, guild, func(g *guildTx) error {
			if v := g.get(bClubPollChannels, u64(ch)); len(v) == 8 {
				open, err := getPoll(g, readU64(v, 0))
				if err != nil {
					return err
				}
				out = *open
				return fmt.Errorf("channel %d: %w", ch, shelf.ErrPollOpen)
			}
			seq, err := g.bucket(bClubPolls).NextSequence()
			if err != nil {
				return err
			}
			p.ID, p.GuildID, p.ChannelID = shelf.FormatID(seq), shelf.FormatID(g.guild), shelf.FormatID(ch)
			p.CreatedAt, p.Ends = p.CreatedAt.UTC(), p.Ends.UTC()
			if err := putPoll(g, seq, nil, &p); err != nil {
				return err
			}
			out = p
			return nil
		})
	}()
	if err != nil {
		return out, fmt.Errorf("create club poll: %w", err)
	}
	return out, nil
}

// ClubPoll returns a poll.
func (s *Store) ClubPoll(ctx context.Context, guild, id string) (shelf.ClubPoll, error) {
	pid, err := shelf.ParseID("poll", id)
	if err != nil {
		return shelf.ClubPoll{}, fmt.Errorf("club poll: %w", err)
	}
	return viewRecord(s, ctx, guild, "club poll", func(g *guildTx) (*shelf.ClubPoll, error) { return getPoll(g, pid) })
}

// OpenClubPoll returns the channel's poll not yet done.
func (s *Store) OpenClubPoll(ctx context.Context, guild, channel string) (shelf.ClubPoll, error) {
	ch, err := shelf.ParseID("channel", channel)
	if err != nil {
		return shelf.ClubPoll{}, fmt.Errorf("open club poll: %w", err)
	}
	return viewRecord(s, ctx, guild, "open club poll", func(g *guildTx) (*shelf.ClubPoll, error) {
		v := g.get(bClubPollChannels, u64(ch))
		if len(v) != 8 {
			return nil, fmt.Errorf("channel %d: %w", ch, shelf.ErrNotFound)
		}
		return getPoll(g, readU64(v, 0))
	})
}

// UpdateClubPoll changes a poll with fn.
func (s *Store) UpdateClubPoll(ctx context.Context, guild, id string, fn func(*shelf.ClubPoll) error) (shelf.ClubPoll, error) {
	var out shelf.ClubPoll
	err := func() error {
		pid, err := shelf.ParseID("poll", id)
		if err != nil {
			return err
		}
		return s.update(ctx, guild, func(g *guildTx) error {
			old, err := getPoll(g, pid)
			if err != nil {
				return err
			}
			p := old.Clone()
			if err := fn(p); err != nil {
				return err
			}
			p.ID, p.GuildID, p.ChannelID = old.ID, old.GuildID, old.ChannelID
			p.Ends = p.Ends.UTC()
			if err := putPoll(g, pid, old, p); err != nil {
				return err
			}
			out = *p
			return nil
		})
	}()
	if err != nil {
		return shelf.ClubPoll{}, fmt.Errorf("update club poll: %w", err)
	}
	return out, nil
}

// StartPollClub starts the club on a decided poll's winner, or records
// why it cannot, and clears the poll's nominations.
func (s *Store) StartPollClub(ctx context.Context, guild, id string, p shelf.ClubStart) (shelf.ClubPoll, error) {
	var out shelf.ClubPoll
	err := func() error {
		pid, err := shelf.ParseID("poll", id)
		if err != nil {
			return err
		}
		a, err := parseClubStart(p)
		if err != nil {
			return err
		}
		return s.update(ctx, guild, func(g *guildTx) error {
			old, err := getPoll(g, pid)
			if err != nil {
				return err
			}
			ch, err := shelf.ParseID("channel", old.ChannelID)
			if err != nil {
				return err
			}
			a.p.ChannelID = old.ChannelID
			np, changed, err := shelf.SettlePoll(old, func() (shelf.Club, error) { return startClubTx(g, ch, a) })
			if err != nil {
				return err
			}
			if changed {
				if err := clearPolledNominations(g, ch, np); err != nil {
					return err
				}
				if err := putPoll(g, pid, old, np); err != nil {
					return err
				}
			}
			out = *np
			return nil
		})
	}()
	if err != nil {
		return shelf.ClubPoll{}, fmt.Errorf("start poll club: %w", err)
	}
	return out, nil
}

// clearPolledNominations removes the nominations a poll was made of (a
// member who nominated again since keeps the new one).
func clearPolledNominations(g *guildTx, ch uint64, p *shelf.ClubPoll) error {
	b := g.bucket(bClubNominations)
	for _, a := range p.Answers {
		uid, err := shelf.ParseID("user", a.NominatedBy)
		if err != nil {
			return err
		}
		sid, err := parseStoryID(a.StoryID)
		if err != nil {
			return err
		}
		v := b.Get(key(ch, uid))
		if v == nil {
			continue
		}
		var r nominationRec
		if err := json.Unmarshal(v, &r); err != nil {
			return err
		}
		if r.Story == sid && r.At == nanos(a.NominatedAt) {
			if err := b.Delete(key(ch, uid)); err != nil {
				return err
			}
		}
	}
	return nil
}

// NextClubPollDue returns the earliest end of a poll not done.
func (s *Store) NextClubPollDue(ctx context.Context) (time.Time, bool, error) {
	at, ok, err := s.nextDue(ctx, bucketPollDue, 3)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("next club poll due: %w", err)
	}
	return at, ok, nil
}

// DueClubPolls returns up to limit polls due at or before now.
func (s *Store) DueClubPolls(ctx context.Context, now time.Time, limit int) ([]shelf.DueClubPoll, error) {
	var out []shelf.DueClubPoll
	err := s.dueUntil(ctx, bucketPollDue, 3, now, limit, func(k []byte, at time.Time) {
		out = append(out, shelf.DueClubPoll{GuildID: shelf.FormatID(readU64(k, 1)), PollID: shelf.FormatID(readU64(k, 2)), At: at})
	})
	if err != nil {
		return nil, fmt.Errorf("due club polls: %w", err)
	}
	return out, nil
}

// LastClub returns the channel's most recent club, active or ended.
func (s *Store) LastClub(ctx context.Context, guild, channel string) (shelf.Club, error) {
	ch, err := shelf.ParseID("channel", channel)
	if err != nil {
		return shelf.Club{}, fmt.Errorf("last club: %w", err)
	}
	want := shelf.FormatID(ch)
	return viewRecord(s, ctx, guild, "last club", func(g *guildTx) (*shelf.Club, error) {
		if v := g.get(bClubChannels, u64(ch)); len(v) == 8 {
			return getClub(g, readU64(v, 0))
		}
		if b := g.bucket(bClubs); b != nil {
			c := b.Cursor()
			for k, v := c.Last(); k != nil; k, v = c.Prev() {
				var club shelf.Club
				if err := json.Unmarshal(v, &club); err != nil {
					return nil, fmt.Errorf("club %d: %w", readU64(k, 0), err)
				}
				if club.ChannelID == want {
					return &club, nil
				}
			}
		}
		return nil, fmt.Errorf("channel %d: %w", ch, shelf.ErrNotFound)
	})
}

// MemberNominations lists user's nominations in every channel.
func (s *Store) MemberNominations(ctx context.Context, guild, user string) ([]shelf.Nomination, error) {
	var out []shelf.Nomination
	err := func() error {
		uid, err := shelf.ParseID("user", user)
		if err != nil {
			return err
		}
		return s.view(ctx, guild, func(g *guildTx) error {
			var chans []uint64
			forEachPrefix(g.bucket(bClubNominations), nil, func(k, _ []byte) error {
				if readU64(k, 1) == uid {
					chans = append(chans, readU64(k, 0))
				}
				return nil
			})
			for _, ch := range chans {
				noms, err := nominationsTx(g, ch)
				if err != nil {
					return err
				}
				for _, n := range noms {
					if n.UserID == shelf.FormatID(uid) {
						out = append(out, n)
					}
				}
			}
			return nil
		})
	}()
	if err != nil {
		return nil, fmt.Errorf("member nominations: %w", err)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	return out, nil
}

// DeleteMemberClubData removes user's nominations and reminders choice.
func (s *Store) DeleteMemberClubData(ctx context.Context, guild, user string) error {
	uid, err := shelf.ParseID("user", user)
	if err != nil {
		return fmt.Errorf("delete member club data: %w", err)
	}
	err = s.update(ctx, guild, func(g *guildTx) error {
		b := g.bucket(bClubNominations)
		var keys [][]byte
		forEachPrefix(b, nil, func(k, _ []byte) error {
			if readU64(k, 1) == uid {
				keys = append(keys, append([]byte(nil), k...))
			}
			return nil
		})
		for _, k := range keys {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		return g.bucket(bClubRemindersOff).Delete(u64(uid))
	})
	if err != nil {
		return fmt.Errorf("delete member club data: %w", err)
	}
	return nil
}

// dumpClubChoices emits the guild's nominations and reminder opt-outs
// (Dump; polls are not copied).
func dumpClubChoices(g *guildTx, emit func(shelf.Item) error) error {
	var chans []uint64
	forEachPrefix(g.bucket(bClubNominations), nil, func(k, _ []byte) error {
		if ch := readU64(k, 0); len(chans) == 0 || chans[len(chans)-1] != ch {
			chans = append(chans, ch)
		}
		return nil
	})
	for _, ch := range chans {
		noms, err := nominationsTx(g, ch)
		if err != nil {
			return err
		}
		for i := range noms {
			if err := emit(shelf.Item{Nomination: &noms[i]}); err != nil {
				return err
			}
		}
	}
	return forEachPrefix(g.bucket(bClubRemindersOff), nil, func(k, _ []byte) error {
		u := shelf.FormatID(readU64(k, 0))
		return emit(shelf.Item{ClubRemindersOff: &u})
	})
}

// loadClubChoice writes a nomination (of a loaded story) or a reminder
// opt-out (Load).
func loadClubChoice(g *guildTx, it shelf.Item) error {
	if it.ClubRemindersOff != nil {
		uid, err := shelf.ParseID("user", *it.ClubRemindersOff)
		if err != nil {
			return err
		}
		return g.bucket(bClubRemindersOff).Put(u64(uid), nil)
	}
	n := it.Nomination
	sid, err := storyOf(g, n.StoryID)
	if err != nil {
		return err
	}
	ch, err := shelf.ParseID("channel", n.ChannelID)
	if err != nil {
		return err
	}
	uid, err := shelf.ParseID("user", n.UserID)
	if err != nil {
		return err
	}
	v, err := json.Marshal(nominationRec{Story: sid, At: nanos(n.At)})
	if err != nil {
		return err
	}
	return g.bucket(bClubNominations).Put(key(ch, uid), v)
}
