package shelf

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Choosing a club's next read: members nominate stories in a channel, a
// Discord poll of the nominations decides, and the club starts on the
// winner. The poll is a record (ClubPoll) from before it is posted until
// its result is posted, so the work after it ends is done once, also
// across restarts: ClubPolls keeps them due at their end time until done.

// MaxNominations bounds the nominations of one channel (and the answers
// of a poll: Discord allows 10).
const MaxNominations = 10

// Errors of nominations and polls.
var (
	// ErrNominationsFull means the channel has MaxNominations nominations
	// from other members.
	ErrNominationsFull = errors.New("the channel has as many nominations as it takes")
	// ErrAlreadyNominated means another member nominated the story here.
	ErrAlreadyNominated = errors.New("story already nominated in the channel")
	// ErrPollOpen means the channel has a poll not yet done.
	ErrPollOpen = errors.New("channel already has a poll")
)

// Nomination is a member's story for a channel's next club.
type Nomination struct {
	ChannelID  string    `json:"channel_id"`
	UserID     string    `json:"user_id"`
	StoryID    string    `json:"story_id"`
	StoryTitle string    `json:"story_title"`
	At         time.Time `json:"at"`
}

// ClubPollOptions are the options of the club started on a poll's winner,
// given when the poll was made.
type ClubPollOptions struct {
	PerCheckpoint int    `json:"per_checkpoint"`   // ≥ 1
	EveryDays     int    `json:"every_days"`       // ≥ 1
	Starts        string `json:"starts,omitempty"` // YYYY-MM-DD; "" = the day the poll ends
	Gated         bool   `json:"gated,omitempty"`
	Events        bool   `json:"events,omitempty"`
}

// ClubPollAnswer is one nomination as an answer of a poll. AnswerID is
// Discord's (1-based, in order); Votes is the final count once decided.
type ClubPollAnswer struct {
	AnswerID    int       `json:"answer_id"`
	StoryID     string    `json:"story_id"`
	StoryTitle  string    `json:"story_title"`
	Text        string    `json:"text"` // as shown in the poll (≤ 55 characters)
	NominatedBy string    `json:"nominated_by"`
	NominatedAt time.Time `json:"nominated_at"`
	Votes       int       `json:"votes"`
}

// Why a decided poll started no club (ClubPoll.NoClub).
const (
	NoClubNoVotes   = "no-votes"    // nobody voted
	NoClubActive    = "club-active" // the channel had an active club by then
	NoClubStoryGone = "story-gone"  // the winner was removed from the library
	NoClubInvalid   = "invalid"     // the options no longer made a schedule
	NoClubPollGone  = "poll-gone"   // the poll's message was deleted
)

// ClubPoll is a poll of a channel's nominations, from before it is posted
// until its result is.
type ClubPoll struct {
	ID        string           `json:"id"`
	GuildID   string           `json:"guild_id"`
	ChannelID string           `json:"channel_id"`
	CreatedBy string           `json:"created_by"`
	CreatedAt time.Time        `json:"created_at"`
	Hours     int              `json:"hours"`
	Ends      time.Time        `json:"ends"` // its closing time; sooner when ended early
	Timezone  string           `json:"timezone"`
	Options   ClubPollOptions  `json:"options"`
	Answers   []ClubPollAnswer `json:"answers"`
	MessageID string           `json:"message_id,omitempty"` // the poll, once posted
	EndedBy   string           `json:"ended_by,omitempty"`   // who ended it early
	// Decided is set once the final counts are recorded in Answers;
	// Winner is then the winning answer's ID (0: none, see NoClub).
	Decided bool   `json:"decided,omitempty"`
	Winner  int    `json:"winner,omitempty"`
	ClubID  string `json:"club_id,omitempty"` // the club started on the winner
	NoClub  string `json:"no_club,omitempty"` // why none was, once tried
	// ResultPostingSince is when posting the result was first tried;
	// ResultMessageID the result, once posted: the poll is then done.
	ResultPostingSince time.Time `json:"result_posting_since,omitzero"`
	ResultMessageID    string    `json:"result_message_id,omitempty"`
	// Closed says why the poll is done without a result (never posted).
	Closed string `json:"closed,omitempty"`
}

// Done reports whether the poll needs no more work.
func (p *ClubPoll) Done() bool { return p.ResultMessageID != "" || p.Closed != "" }

// Settled reports whether the club was started on the winner or it is
// known why none was.
func (p *ClubPoll) Settled() bool { return p.ClubID != "" || p.NoClub != "" }

// Answer returns the answer with Discord's answer ID id, or nil.
func (p *ClubPoll) Answer(id int) *ClubPollAnswer {
	for i := range p.Answers {
		if p.Answers[i].AnswerID == id {
			return &p.Answers[i]
		}
	}
	return nil
}

// Decide records the final counts (answer ID → votes) and picks the
// winner: most votes, a tie going to the earliest nomination; no winner
// when nobody voted. It changes nothing once decided.
func (p *ClubPoll) Decide(counts map[int]int) {
	if p.Decided {
		return
	}
	p.Decided = true
	best := -1
	for i := range p.Answers {
		a := &p.Answers[i]
		a.Votes = counts[a.AnswerID]
		if a.Votes == 0 {
			continue
		}
		if best < 0 || a.Votes > p.Answers[best].Votes ||
			a.Votes == p.Answers[best].Votes && a.NominatedAt.Before(p.Answers[best].NominatedAt) {
			best = i
		}
	}
	if best < 0 {
		p.NoClub = NoClubNoVotes
		return
	}
	p.Winner = p.Answers[best].AnswerID
}

// Clone returns a copy of p that shares no memory with it (its answers
// are copied), to change while p stays as it was read.
func (p *ClubPoll) Clone() *ClubPoll {
	c := *p
	c.Answers = append([]ClubPollAnswer(nil), p.Answers...)
	return &c
}

// SettlePoll is the rule of ClubPolls.StartPollClub that both engines
// follow, inside their transaction: old is the poll as stored (read under
// the engine's lock) and start starts the club on its winner, in old's
// channel and the same transaction. It returns the poll to store and true; or old and false when
// old was settled already (nothing to store). A poll not decided is
// ErrInvalid. When start fails because the channel has an active club
// (ErrClubActive), the story is gone (ErrNotFound) or the options no longer
// make a schedule (ErrInvalid), the poll records why in NoClub; any other
// error from start is returned and nothing is to be stored.
func SettlePoll(old *ClubPoll, start func() (Club, error)) (*ClubPoll, bool, error) {
	if old.Settled() {
		return old, false, nil
	}
	if !old.Decided {
		return nil, false, fmt.Errorf("club poll %s is not decided: %w", old.ID, ErrInvalid)
	}
	np := old.Clone()
	club, err := start()
	switch {
	case err == nil:
		np.ClubID = club.ID
	case errors.Is(err, ErrClubActive):
		np.NoClub = NoClubActive
	case errors.Is(err, ErrNotFound):
		np.NoClub = NoClubStoryGone
	case errors.Is(err, ErrInvalid):
		np.NoClub = NoClubInvalid
	default:
		return nil, false, err
	}
	return np, true, nil
}

// DueClubPoll names a poll whose end has come and whose work is not done.
type DueClubPoll struct {
	GuildID string
	PollID  string
	At      time.Time
}

// ClubPolls are nominations and the polls that choose among them.
type ClubPolls interface {
	// Nominate makes story user's nomination in channel, replacing theirs
	// (returned, with had true) if they had one; At is at. ErrNotFound for
	// an unknown story; ErrAlreadyNominated (with the other member's
	// nomination returned) when another member nominated it there;
	// ErrNominationsFull when the channel has MaxNominations from others.
	Nominate(ctx context.Context, guild, channel, user, story string, at time.Time) (prev Nomination, had bool, err error)
	// MemberNominations lists user's nominations in every channel of
	// guild, oldest first (for /mydata export).
	MemberNominations(ctx context.Context, guild, user string) ([]Nomination, error)
	// DeleteMemberClubData removes user's nominations and their club
	// reminders choice in guild (for /mydata delete).
	DeleteMemberClubData(ctx context.Context, guild, user string) error
	// Nominations lists a channel's nominations, oldest first (ties by
	// user ID), with their stories' titles; nominations of stories since
	// removed are left out.
	Nominations(ctx context.Context, guild, channel string) ([]Nomination, error)
	// LastClub returns the channel's most recent club, active or ended
	// (its host may poll for the next); ErrNotFound when none.
	LastClub(ctx context.Context, guild, channel string) (Club, error)
	// CreateClubPoll stores p (not yet posted) with a new ID, due at
	// p.Ends; ErrPollOpen (with the open poll returned) when the channel
	// has a poll not yet done.
	CreateClubPoll(ctx context.Context, guild string, p ClubPoll) (ClubPoll, error)
	// ClubPoll returns a poll; ErrNotFound when none.
	ClubPoll(ctx context.Context, guild, id string) (ClubPoll, error)
	// OpenClubPoll returns the channel's poll not yet done; ErrNotFound
	// when none.
	OpenClubPoll(ctx context.Context, guild, channel string) (ClubPoll, error)
	// UpdateClubPoll changes a poll with fn under a lock and returns what
	// was stored; an error from fn changes nothing and is returned. The
	// poll stays due at its Ends until it is Done. ID, guild and channel
	// cannot change.
	UpdateClubPoll(ctx context.Context, guild, id string, fn func(*ClubPoll) error) (ClubPoll, error)
	// StartPollClub starts the club on a decided poll's winner with p (its
	// story, channel, host, timezone and now filled in by the caller) and
	// records it in the poll, in one transaction, and clears the
	// nominations the poll was made of. When the club cannot start the
	// poll records why in NoClub (NoClubActive, NoClubStoryGone,
	// NoClubInvalid) instead. A poll already settled is returned as it is.
	StartPollClub(ctx context.Context, guild, id string, p ClubStart) (ClubPoll, error)
	// NextClubPollDue returns the earliest Ends of any guild's polls not
	// done; false when none.
	NextClubPollDue(ctx context.Context) (time.Time, bool, error)
	// DueClubPolls returns up to limit polls not done whose Ends is at or
	// before now, in time order (then guild, ID).
	DueClubPolls(ctx context.Context, now time.Time, limit int) ([]DueClubPoll, error)
}
