package shelf

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"ficshelf/fic"
)

// ErrNoAO3Work means a story has no AO3 work, so it cannot be followed.
var ErrNoAO3Work = errors.New("story has no AO3 work")

// Subscription is a member's subscription to a story's new chapters, with
// what the library knows of the story and when its work was last checked.
type Subscription struct {
	StoryID          string
	StoryTitle       string
	AO3ID            int64
	ChaptersPosted   int
	ChaptersExpected int
	Since            time.Time
	// LastChecked is when the work was last checked on AO3; zero before
	// the first check.
	LastChecked time.Time
	// Gone is set once AO3 stopped showing the work (no longer checked).
	Gone bool
}

// Subscriptions are members' subscriptions to stories (AO3 works) in one
// guild, and whether alerts could reach them by direct message.
type Subscriptions interface {
	// Subscribe subscribes user to story and schedules its AO3 work for
	// checking (due at now when it was not scheduled yet). added is false
	// when user already was subscribed. ErrNotFound for an unknown story,
	// ErrNoAO3Work for a story without an AO3 work.
	Subscribe(ctx context.Context, guild, user, story string, now time.Time) (sub Subscription, added bool, err error)
	// Unsubscribe ends a subscription; ErrNotFound when there was none.
	Unsubscribe(ctx context.Context, guild, user, story string) error
	// Subscriptions lists user's subscriptions in the guild, in story-ID
	// order.
	Subscriptions(ctx context.Context, guild, user string) ([]Subscription, error)
	// Subscribed reports whether user is subscribed to story.
	Subscribed(ctx context.Context, guild, user, story string) (bool, error)
	// StorySubscribers lists the subscribers of story in user-ID order.
	StorySubscribers(ctx context.Context, guild, story string) ([]string, error)
	// SetDMsClosed records whether direct messages to user could not be
	// delivered (Discord's 50007), for /subscribe list.
	SetDMsClosed(ctx context.Context, guild, user string, closed bool) error
	// DMsClosed reports the flag SetDMsClosed set.
	DMsClosed(ctx context.Context, guild, user string) (bool, error)
}

// Work states besides a normal work (""): gone ones are no longer checked.
const (
	WorkDeleted    = "deleted"
	WorkRestricted = "restricted"
	WorkHidden     = "hidden"
	WorkUnrevealed = "unrevealed"
)

// WorkStateGone reports whether a work in state is no longer checked.
func WorkStateGone(state string) bool {
	return state == WorkDeleted || state == WorkRestricted || state == WorkHidden
}

// WatchedWork is one AO3 work on the deployment-wide check schedule.
type WatchedWork struct {
	WorkID      int64
	NextCheck   time.Time
	LastChecked time.Time // zero before the first check
	// Last is the work as AO3 showed it at the last successful check (nil
	// before one): the base that tells a member's own option (kept) from
	// AO3's old value (replaced).
	Last  *fic.Story
	State string // "", or one of the Work* states
}

// WorkCheck is the result of one check of an AO3 work.
type WorkCheck struct {
	WorkID int64
	At     time.Time
	// Fetched is the work as AO3 shows it now; nil when the check failed.
	Fetched *fic.Story
	// State is WorkDeleted, WorkRestricted, WorkHidden or WorkUnrevealed
	// when AO3 refused the work for that reason; "" otherwise.
	State string
	// NextCheck is when to check again (ignored for a gone work).
	NextCheck time.Time
}

// Alert kinds: a change of the work, or a note that AO3 stopped showing it
// (the alert's Kind is then the work state).
const AlertUpdate = "update"

// Alert is one guild's notice of one change of a followed work, recorded
// in the transaction that records the check, before anything is sent.
type Alert struct {
	GuildID string
	ID      string // per guild
	StoryID string
	WorkID  int64
	Kind    string // AlertUpdate or a Work* state
	Title   string // the story's title when the alert was made
	Summary string // fic.Changes.Summary() for an update
	// Recipients are the story's subscribers when the alert was made.
	Recipients []string
	// Delivered are the recipients already sent a direct message (or
	// whose direct messages are closed).
	Delivered []string
	Created   time.Time
	// FirstAttempt is when sending was first attempted (zero: not yet).
	FirstAttempt time.Time
	Posted       bool
	ChannelID    string
	MessageID    string
}

// WorkChecks is the update checker's view: the deployment-wide schedule of
// AO3 works to check, the recording of each check with its effects in
// every guild, the alerts to send, and the AO3 request gap.
type WorkChecks interface {
	// ClaimDueWorks first schedules (due now) the works of stories that
	// active clubs read, then returns up to limit works due at or before
	// now that some guild still follows (a subscriber, or an active club),
	// in due order, moving each one's next check to now+hold so that no
	// other claimer takes it meanwhile. Works nobody follows any more
	// leave the schedule. Gone works are never returned.
	ClaimDueWorks(ctx context.Context, now time.Time, hold time.Duration, limit int) ([]WatchedWork, error)
	// RecordWorkCheck records c in one transaction: with Fetched, every
	// guild's story of the work is updated (shelf.MergeAO3: options a
	// member gave stay; chapters stored stay), clubs reading it extend
	// their schedules, and each guild whose story changed in a way
	// subscribers hear of (fic.Changes.Any) and that has subscribers gets
	// one Alert. With a State new to the work, each guild with subscribers
	// gets one Alert of that kind; a gone work leaves the schedule. It
	// returns how many alerts it made. ErrNotFound when the work is not
	// scheduled.
	RecordWorkCheck(ctx context.Context, c WorkCheck) (alerts int, err error)
	// PendingAlerts returns up to limit alerts not yet posted, of every
	// guild, oldest first.
	PendingAlerts(ctx context.Context, limit int) ([]Alert, error)
	// AlertAttempt records that sending alert id is about to be attempted
	// and returns since when it has been (the first attempt's time).
	AlertAttempt(ctx context.Context, guild, id string, now time.Time) (time.Time, error)
	// AlertDelivered records that user was sent the alert by direct
	// message (or cannot be).
	AlertDelivered(ctx context.Context, guild, id, user string) error
	// AlertPosted records the alert as done: the message posted in the
	// updates channel (both empty when it went by direct message).
	AlertPosted(ctx context.Context, guild, id, channelID, messageID string) error
	// TakeAO3Slot takes the next slot for a request to AO3, for the whole
	// deployment: at the later of now and the last slot taken plus gap (or
	// a hold), and returns its time. The caller waits until then.
	TakeAO3Slot(ctx context.Context, now time.Time, gap time.Duration) (time.Time, error)
	// HoldAO3 lets no slot be taken before until (AO3 asked to wait).
	HoldAO3(ctx context.Context, until time.Time) error
}

// MergeAO3 returns stored (a guild's story) brought up to date with fresh
// (AO3's page now). AO3's counts (chapters posted and expected, words,
// dates, kudos, hits) are taken from fresh. Every other detail is taken
// from fresh only where stored still shows what AO3 showed last time
// (last): a value that differs was given by a member and stays. Without
// last (the first check), those details stay as stored. Notes, chapters
// and the AO3 link stay as stored.
func MergeAO3(stored fic.Story, last, fresh *fic.Story) fic.Story {
	out := stored
	if fresh == nil {
		return out
	}
	out.ChaptersPosted, out.ChaptersExpected = fresh.ChaptersPosted, fresh.ChaptersExpected
	if fresh.Words > 0 {
		out.Words = fresh.Words
	}
	out.Kudos, out.Hits = fresh.Kudos, fresh.Hits
	if !fresh.Published.IsZero() {
		out.Published = fresh.Published
	}
	if !fresh.Updated.IsZero() {
		out.Updated = fresh.Updated
	}
	if last == nil {
		return out
	}
	str := func(dst *string, was, now string) {
		if strings.TrimSpace(*dst) == strings.TrimSpace(was) && strings.TrimSpace(now) != "" {
			*dst = now
		}
	}
	list := func(dst *[]string, was, now []string) {
		if sameStrings(*dst, was) {
			*dst = slices.Clone(now)
		}
	}
	str(&out.Title, last.Title, fresh.Title)
	str(&out.Language, last.Language, fresh.Language)
	str(&out.Summary, last.Summary, fresh.Summary)
	if normRating(out.Rating) == normRating(last.Rating) {
		out.Rating = normRating(fresh.Rating)
	}
	list(&out.Authors, last.Authors, fresh.Authors)
	list(&out.Fandoms, last.Fandoms, fresh.Fandoms)
	list(&out.Warnings, last.Warnings, fresh.Warnings)
	list(&out.Categories, last.Categories, fresh.Categories)
	list(&out.Relationships, last.Relationships, fresh.Relationships)
	list(&out.Characters, last.Characters, fresh.Characters)
	list(&out.Tags, last.Tags, fresh.Tags)
	list(&out.Series, last.Series, fresh.Series)
	if slices.Equal(out.SeriesRefs, last.SeriesRefs) {
		out.SeriesRefs = slices.Clone(fresh.SeriesRefs)
	}
	return out
}

func normRating(r fic.Rating) fic.Rating {
	if r == "" {
		return fic.RatingNotRated
	}
	n, _ := fic.ParseRating(string(r))
	return n
}

func sameStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if strings.TrimSpace(a[i]) != strings.TrimSpace(b[i]) {
			return false
		}
	}
	return true
}
