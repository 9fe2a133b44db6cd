package shelf

import (
	"context"
	"time"

	"ficshelf/fic"
)

// Copier moves a whole deployment between engines ("ficshelf copy", and
// "ficshelf backup" of a PostgreSQL store into a BoltDB file). IDs are
// kept, so buttons on old messages keep working after a move.
type Copier interface {
	// Dump calls emit with every record the store holds, from one
	// consistent snapshot, guild by guild in ascending guild ID; within a
	// guild in the order of Item's fields (a record after those it refers
	// to). It stops at the first error emit returns.
	Dump(ctx context.Context, emit func(guild string, it Item) error) error
	// Load writes items into an empty store, all in one transaction: Put
	// each, then Commit. It fails with ErrNotEmpty when the store already
	// holds a guild's data.
	Load(ctx context.Context) (Loader, error)
	// Counts returns, per guild, how many records of each kind (CountKinds)
	// the store holds, for checking a copy.
	Counts(ctx context.Context) (map[string]map[string]int, error)
}

// Loader is one load transaction; see Copier.Load. Rollback after Commit
// does nothing, so it can be deferred.
type Loader interface {
	Put(ctx context.Context, guild string, it Item) error
	Commit(ctx context.Context) error
	Rollback(ctx context.Context) error
}

// CountKinds names the record kinds Counts reports.
var CountKinds = []string{"stories", "chapters", "kudos", "list_entries", "rec_threads", "recs", "rec_requests", "clubs", "club_members", "subscriptions"}

// Item is one record of a dump: exactly one field is set.
type Item struct {
	Settings   *Settings
	Sequences  *Sequences
	Story      *StoryRecord // Kudos and Readers are ignored by Load (derived)
	Chapter    *ChapterItem
	Kudo       *KudoItem
	ListEntry  *ListEntryItem
	Progress   *ProgressItem // stats.go
	RecThread  *RecThreadItem
	Rec        *Rec
	RecRequest *RecRequest
	Club       *Club
	ClubMember *ClubMemberItem
	// Subscription is a member's /subscribe of a story. The check schedule,
	// AO3's last copy of each work and pending alerts are not copied: the
	// schedule is rebuilt from subscriptions and clubs at the first check.
	Subscription *SubscriptionItem
}

// SubscriptionItem is one member's subscription to a story.
type SubscriptionItem struct {
	StoryID, UserID string
	Since           time.Time
}

// Sequences are the last IDs a guild handed out, so that a copy never
// reuses the ID of something removed before it was made.
type Sequences struct {
	Stories, Recs, RecRequests, Clubs uint64
}

// ChapterItem is one chapter of a story.
type ChapterItem struct {
	StoryID   string
	Number    int
	Chapter   fic.Chapter
	Sentences []byte
}

// KudoItem is one kudos.
type KudoItem struct {
	StoryID, UserID string
	At              time.Time
}

// ListEntryItem is one reading-list entry (the story fields unset).
type ListEntryItem struct {
	UserID string
	Entry  ListEntry
	// FinishedAt is when the entry became finished (ReadingLog); zero
	// when unknown or not finished.
	FinishedAt time.Time
}

// RecThreadItem is a story's rec discussion thread.
type RecThreadItem struct {
	StoryID string
	Thread  RecThread
}

// ClubMemberItem is one member of a club.
type ClubMemberItem struct {
	ClubID string
	Member ClubMember
}
