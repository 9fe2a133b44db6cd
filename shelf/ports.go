package shelf

import (
	"context"
	"time"

	"ficshelf/fic"
)

// The storage ports, one per command family, each as small as its
// consumers need. Every engine implements all of them (Store); a command
// family or job declares the one it uses, so a test can see at a glance
// what it touches.

// Stories is a guild's library of stories.
type Stories interface {
	// AddStory adds s to guild's library with a new ID and returns its
	// record. chapters carries each chapter's text with its sentence index;
	// when nil, s.Chapters are stored without sentence indexes. s is not
	// modified. A story with an AO3 work ID the guild already has fails
	// with a *DuplicateError naming the existing story. A zero at means now.
	// With ctx from WithUploadJob the write is that upload job's step:
	// done in the transaction that makes the story visible, or nothing
	// written (ErrImportState) when the step was done already.
	AddStory(ctx context.Context, guild string, s *fic.Story, chapters []NewChapter, addedBy string, mine bool, at time.Time) (StoryRecord, error)
	// Story returns one story's record; ErrNotFound when the guild has none.
	Story(ctx context.Context, guild, id string) (StoryRecord, error)
	// StoryByAO3 returns the guild's story of AO3 work workID; ErrNotFound
	// when it has none.
	StoryByAO3(ctx context.Context, guild string, workID int64) (StoryRecord, error)
	// UpdateStory replaces story id's metadata and chapters (adder, time,
	// mine, kudos and readers stay), and extends the schedule of every
	// active club reading it in the same transaction when it gained
	// chapters (new checkpoints open no earlier than now). An AO3 work ID
	// another story of the guild has fails with *DuplicateError. With ctx
	// from WithUploadJob the write is that upload job's step (AddStory).
	UpdateStory(ctx context.Context, guild, id string, s *fic.Story, chapters []NewChapter, now time.Time) (StoryRecord, error)
	// RemoveStory removes a story with its chapters, kudos, reading-list
	// entries, recs and rec thread; an active club reading it ends.
	// ErrNotFound when the guild has no such story.
	RemoveStory(ctx context.Context, guild, id string) error
	// ListStories returns one page of the guild's stories matching q, and
	// how many match in all.
	ListStories(ctx context.Context, guild string, q ListQuery) ([]StoryRecord, int, error)
}

// Chapters reads the text of stored chapters.
type Chapters interface {
	// Chapter returns chapter n (1-based) of a story; ErrNotFound when the
	// story or the chapter does not exist.
	Chapter(ctx context.Context, guild, id string, n int) (ChapterRecord, error)
	// ViewChapter calls fn with chapter n without copying its text: the
	// record's strings and bytes are valid only during the call.
	ViewChapter(ctx context.Context, guild, id string, n int, fn func(ChapterRecord) error) error
}

// StoryFinder turns what a member typed into stories.
type StoryFinder interface {
	// SearchStories returns up to limit (at most MaxSearchResults) stories
	// whose title or authors contain words starting with each typed word
	// (Tokens), best first: most typed words matched, then the title
	// starting with the first typed word, whole words over prefixes, title
	// over author matches, then most kudos, newest, highest ID. An empty
	// query returns the most-kudos, then newest stories. At most
	// MaxQueryWords typed words count.
	SearchStories(ctx context.Context, guild, query string, limit int) ([]StoryRef, error)
	// ResolveStory finds the story a member meant by input: a story ID of
	// this guild, else a title (FoldString), exact match first, then a
	// unique prefix (shortest titles first when several). Otherwise it
	// fails with a *ResolveError carrying up to five suggestions: the
	// matches when ambiguous, else the closest titles by TitleDistance
	// (exactly in a guild of up to 2,000 stories; in a bigger one, engines
	// may score only a bounded set of candidates drawn from an index, so
	// that a miss costs the same whatever the guild's size).
	ResolveStory(ctx context.Context, guild, input string) (StoryRecord, error)
}

// Kudos are members' kudos on stories, one per member per story.
type Kudos interface {
	// GiveKudos records user's kudos on story and returns the story's
	// count afterwards; the record and the count change together. A second
	// kudos fails with ErrAlreadyGiven, the author of a story added as
	// their own with ErrOwnStory; both return the current count and change
	// nothing. A zero at means now.
	GiveKudos(ctx context.Context, guild, story, user string, at time.Time) (int, error)
	// Kudos lists who gave kudos to story, newest first; ErrNotFound when
	// the guild has no such story.
	Kudos(ctx context.Context, guild, story string) ([]Kudo, error)
	// KudosCount returns story's all-time kudos count as committed now
	// (what GiveKudos returns, counting every kudos committed since);
	// ErrNotFound when the guild has no such story. It reads the count
	// alone, not the story.
	KudosCount(ctx context.Context, guild, story string) (int, error)
	// TopKudos returns up to limit (0 means 10) stories with the most kudos
	// given at or after p.Since(now) (later ones count too), most
	// first, ties broken by all-time kudos, then newest. Stories with none
	// in the period are left out. now may be any instant, also earlier
	// than a previous call's; the answer is exact for it.
	TopKudos(ctx context.Context, guild string, p Period, now time.Time, limit int) ([]TopStory, error)
}

// ReadingLists are members' personal reading lists.
type ReadingLists interface {
	// SetListEntry adds e.StoryID to user's list or updates the entry, and
	// returns the stored entry. An empty Status keeps an existing entry's
	// (to-read for a new one); Added is kept from an existing entry (else
	// at), Updated is at (zero: now). ErrNotFound for an unknown story;
	// ErrInvalid for a bad status, a negative chapter or a note longer
	// than MaxNoteLength.
	SetListEntry(ctx context.Context, guild, user string, e ListEntry, at time.Time) (ListEntry, error)
	// ListEntry returns one entry; ErrNotFound when the story is not on
	// the member's list.
	ListEntry(ctx context.Context, guild, user, story string) (ListEntry, error)
	// RemoveListEntry removes an entry (the story's Readers count follows);
	// ErrNotFound when there was none.
	RemoveListEntry(ctx context.Context, guild, user, story string) error
	// MemberList returns a member's whole list in story-ID order (oldest
	// story first), each entry joined with its story's title, authors and
	// chapter counts. An empty list is not an error.
	MemberList(ctx context.Context, guild, user string) ([]ListEntry, error)
}

// Members is what /mydata needs: one member's data in one guild.
type Members interface {
	// ExportMember returns everything stored about user in guild.
	ExportMember(ctx context.Context, guild, user string) (MemberExport, error)
	// DeleteMember removes user's reading list, kudos (counts follow) and
	// club memberships in guild. Stories they added, recs and requests stay.
	DeleteMember(ctx context.Context, guild, user string) error
}

// Recs are recommendations, their discussion threads and requests.
type Recs interface {
	// RecThread returns story's rec discussion thread; false when none.
	RecThread(ctx context.Context, guild, story string) (RecThread, bool, error)
	// SetRecThread records (or replaces, when the old one was deleted)
	// story's discussion thread; ErrNotFound for an unknown story.
	SetRecThread(ctx context.Context, guild, story string, t RecThread) error
	// AddRec stores a rec with a new ID (and adds it to its request's
	// answers when RequestID is set) and returns it; ErrNotFound when the
	// story (or the request) does not exist.
	AddRec(ctx context.Context, guild string, r Rec) (Rec, error)
	// ListRecs returns one page of recs, newest first, with story titles,
	// and how many match in all.
	ListRecs(ctx context.Context, guild string, q RecQuery) ([]Rec, int, error)
	// AddRecRequest stores a request with a new ID and returns it.
	AddRecRequest(ctx context.Context, guild string, r RecRequest) (RecRequest, error)
	// RecRequestByThread returns the request whose thread is thread;
	// ErrNotFound when none.
	RecRequestByThread(ctx context.Context, guild, thread string) (RecRequest, error)
	// Recs returns the recs with these IDs that still exist, in the order
	// given, with their stories' titles.
	Recs(ctx context.Context, guild string, ids []string) ([]Rec, error)
}

// Clubs are reading clubs and their members.
type Clubs interface {
	// StartClub creates a club in p.ChannelID reading p.StoryID, hosted
	// (and joined) by p.HostID, scheduled up to the story's posted
	// chapters (at most MaxCheckpoints). ErrClubActive when the channel
	// has an active club; ErrNotFound for an unknown story; ErrInvalid for
	// bad numbers, date or zone.
	StartClub(ctx context.Context, guild string, p ClubStart) (Club, error)
	// ActiveClub returns the channel's active club; ErrNotFound when none.
	// StartClub's ErrClubActive comes with the active club returned.
	ActiveClub(ctx context.Context, guild, channel string) (Club, error)
	// Club returns a club, active or ended; ErrNotFound when none.
	Club(ctx context.Context, guild, id string) (Club, error)
	// JoinClub adds user to the club; joined is false when they already
	// were in it. ErrClubEnded for an ended club.
	JoinClub(ctx context.Context, guild, club, user string, now time.Time) (joined bool, err error)
	// LeaveClub removes user and their progress; ErrNotMember when they
	// were not in it, ErrClubEnded for an ended club.
	LeaveClub(ctx context.Context, guild, club, user string) error
	// SetClubProgress records the last chapter user has read (0 for none
	// yet, up to the club's chapters, else ErrInvalid); ErrNotMember when
	// not joined, ErrClubEnded for an ended club.
	SetClubProgress(ctx context.Context, guild, club, user string, chapter int, now time.Time) error
	// ClubMembers lists a club's members in join order (ties by user ID).
	ClubMembers(ctx context.Context, guild, club string) ([]ClubMember, error)
	// EndClub ends a club: its remaining checkpoints are never announced
	// and the channel may start another; the club, its members and
	// announced checkpoints stay as history. ErrClubEnded when it already
	// ended.
	EndClub(ctx context.Context, guild, club, by string, now time.Time) (Club, error)
}

// Checkpoints is the announcer's view of every guild's club checkpoints.
// A checkpoint is due from its Opens time until it is Done.
type Checkpoints interface {
	// NextCheckpointDue returns when the earliest checkpoint not yet done,
	// of any guild, is due; false when none is.
	NextCheckpointDue(ctx context.Context) (time.Time, bool, error)
	// DueCheckpoints returns up to limit checkpoints due at or before now,
	// in time order (then guild, club, number).
	DueCheckpoints(ctx context.Context, now time.Time, limit int) ([]DueCheckpoint, error)
	// CheckpointPosting records that the announcement of checkpoint n is
	// about to be posted and returns since when it has been (the first
	// attempt's time on a retry). It records nothing once it is posted.
	CheckpointPosting(ctx context.Context, guild, club string, n int, now time.Time) (time.Time, error)
	// CheckpointPosted records the announcement's message (late: after its
	// time, the bot having been away). The checkpoint stays due until
	// CheckpointDone.
	CheckpointPosted(ctx context.Context, guild, club string, n int, messageID string, late bool, now time.Time) error
	// CheckpointDone records the checkpoint's discussion thread: it is
	// announced and no longer due.
	CheckpointDone(ctx context.Context, guild, club string, n int, threadID string) error
	// SkipCheckpoint gives up on checkpoint n, recording why; no longer due.
	SkipCheckpoint(ctx context.Context, guild, club string, n int, reason string) error
	// DropDueCheckpoint forgets a due entry that names no checkpoint to
	// announce (its club is gone or ended), so the announcer moves on.
	DropDueCheckpoint(ctx context.Context, d DueCheckpoint) error
}

// GuildSettings is a guild's configuration.
type GuildSettings interface {
	// Settings returns the guild's settings, defaults when it set none.
	Settings(ctx context.Context, guild string) (Settings, error)
	// SetSettings checks st (Settings.Normalize), stores it and returns
	// what was stored.
	SetSettings(ctx context.Context, guild string, st Settings) (Settings, error)
}

// Leases let background work run in one process of a deployment at a time.
type Leases interface {
	// TryLease makes holder the holder of the lease name until now+ttl
	// when nobody holds it, holder already does, or its holder's time ran
	// out, and reports whether holder holds it now.
	TryLease(ctx context.Context, name, holder string, now time.Time, ttl time.Duration) (bool, error)
	// ReleaseLease gives up name if holder holds it.
	ReleaseLease(ctx context.Context, name, holder string) error
}

// Stats are cumulative figures about an engine's write transactions, for
// metrics.
type Stats struct {
	Commits     int64         // write transactions committed since open
	CommitTime  time.Duration // time spent committing them
	OpenReadTxs int           // read transactions (or busy connections) open now
}

// Store is everything an engine provides: every port, plus its lifecycle.
type Store interface {
	Stories
	Chapters
	StoryFinder
	Kudos
	ReadingLists
	Members
	Recs
	Clubs
	Checkpoints
	ClubPolls
	ClubEvents
	ClubReminders
	GuildSettings
	Leases
	Subscriptions
	WorkChecks
	Copier
	ReadingLog // stats.go
	Imports    // imports.go
	SeriesJobs // series.go
	UploadJobs // uploads.go
	JobPruning // jobprune.go

	// Engine names the engine ("bolt", "postgres") for logs and metrics.
	Engine() string
	// Ping reports whether the store can serve (for /healthz).
	Ping(ctx context.Context) error
	// Stats returns the engine's current Stats.
	Stats() Stats
	// Close releases the store; methods called afterwards fail with
	// ErrClosed.
	Close() error
}
