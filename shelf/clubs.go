package shelf

import (
	"fmt"
	"time"
)

// MaxCheckpoints bounds one club's schedule.
const MaxCheckpoints = 1000

// Club is a reading club: who reads what, where, on which schedule.
type Club struct {
	ID            string       `json:"id"`
	GuildID       string       `json:"guild_id"`
	ChannelID     string       `json:"channel_id"`
	StoryID       string       `json:"story_id"`
	StoryTitle    string       `json:"story_title"`
	Name          string       `json:"name"`
	HostID        string       `json:"host_id"`
	PerCheckpoint int          `json:"per_checkpoint"` // chapters per checkpoint
	EveryDays     int          `json:"every_days"`
	Starts        string       `json:"starts"`   // YYYY-MM-DD, first checkpoint's date
	Timezone      string       `json:"timezone"` // IANA name the dates are in
	CreatedAt     time.Time    `json:"created_at"`
	EndedAt       time.Time    `json:"ended_at,omitzero"` // zero while active
	EndedBy       string       `json:"ended_by,omitempty"`
	Checkpoints   []Checkpoint `json:"checkpoints"`
	// Gated clubs discuss each checkpoint in a private thread that members
	// join once their progress reaches it; Events clubs show the next
	// checkpoint as a scheduled event. Both are false for clubs started
	// before they existed.
	Gated  bool `json:"gated,omitempty"`
	Events bool `json:"events,omitempty"`
}

// Active reports whether the club has not ended.
func (c *Club) Active() bool { return c.EndedAt.IsZero() }

// Chapters returns how many chapters the schedule covers.
func (c *Club) Chapters() int {
	if len(c.Checkpoints) == 0 {
		return 0
	}
	return c.Checkpoints[len(c.Checkpoints)-1].Last
}

// Checkpoint is one step of a club's schedule: chapters First..Last,
// opening at Opens (midnight in the club's time zone, or the moment it
// was added for chapters published after the schedule ran out).
type Checkpoint struct {
	Number int       `json:"n"`
	First  int       `json:"first"`
	Last   int       `json:"last"`
	Opens  time.Time `json:"opens"`
	// MessageID is the announcement, once posted; ThreadID its discussion
	// thread, once opened. A checkpoint is announced when ThreadID is set
	// (or Skipped says why it never will be).
	MessageID   string    `json:"message_id,omitempty"`
	ThreadID    string    `json:"thread_id,omitempty"`
	AnnouncedAt time.Time `json:"announced_at,omitzero"`
	// PostingSince is when the bot first tried to post the announcement
	// (CheckpointPosting), zero before. An attempt may have posted it
	// without MessageID being recorded (a crash in between): the retry
	// looks for it in the channel once Discord's nonce no longer would.
	// Records written before this field existed read it as zero.
	PostingSince time.Time `json:"posting_since,omitzero"`
	Late         bool      `json:"late,omitempty"`
	Skipped      string    `json:"skipped,omitempty"`
	// EventID is the checkpoint's Discord scheduled event (clubs with
	// Events), once created.
	EventID string `json:"event_id,omitempty"`
	// ReminderSince is when the reminder before it was first tried;
	// ReminderID its message, or "-…" saying why none was sent.
	ReminderSince time.Time `json:"reminder_since,omitzero"`
	ReminderID    string    `json:"reminder_id,omitempty"`
}

// Done reports whether the checkpoint needs no more work.
func (c *Checkpoint) Done() bool { return c.ThreadID != "" || c.Skipped != "" }

// ClubMember is one member's place in a club.
type ClubMember struct {
	UserID    string    `json:"user_id"`
	JoinedAt  time.Time `json:"joined_at"`
	Chapter   int       `json:"chapter"` // last chapter read, 0 = none yet
	UpdatedAt time.Time `json:"updated_at"`
}

// ClubStart describes a new club.
type ClubStart struct {
	ChannelID     string
	StoryID       string
	Name          string // "" = the story's title
	HostID        string
	PerCheckpoint int    // ≥ 1
	EveryDays     int    // ≥ 1
	Starts        string // YYYY-MM-DD in Timezone
	Timezone      string // IANA; "" = UTC
	Gated         bool
	Events        bool
	Now           time.Time
}

// DueCheckpoint names a checkpoint whose time has come.
type DueCheckpoint struct {
	GuildID string
	ClubID  string
	Number  int
	At      time.Time
}

// PlanCheckpoints builds a schedule: checkpoint k covers chapters
// (k-1)*per+1 .. min(k*per, chapters) and opens at 00:00 in loc on
// starts + (k-1)*every days. starts is YYYY-MM-DD.
func PlanCheckpoints(starts string, loc *time.Location, per, every, chapters int) ([]Checkpoint, error) {
	if per < 1 || every < 1 {
		return nil, fmt.Errorf("plan checkpoints: chapters %d, every %d: %w", per, every, ErrInvalid)
	}
	day, err := time.ParseInLocation("2006-01-02", starts, loc)
	if err != nil {
		return nil, fmt.Errorf("plan checkpoints: start date %q: %w", Truncate(starts, 20), ErrInvalid)
	}
	return AppendCheckpoints(nil, day, per, every, chapters, time.Time{}), nil
}

// AppendCheckpoints extends cps up to chapters: a last checkpoint that is
// short and not yet announced grows first, then new ones follow on the
// grid (never opening before notBefore).
func AppendCheckpoints(cps []Checkpoint, day time.Time, per, every, chapters int, notBefore time.Time) []Checkpoint {
	last := 0
	if n := len(cps); n > 0 {
		lc := &cps[n-1]
		last = lc.Last
		if lc.MessageID == "" && !lc.Done() && lc.Last-lc.First+1 < per && chapters > lc.Last {
			lc.Last = min(lc.First+per-1, chapters)
			last = lc.Last
		}
	}
	for last < chapters && len(cps) < MaxCheckpoints {
		k := len(cps) + 1
		y, m, d := day.Date()
		opens := time.Date(y, m, d+(k-1)*every, 0, 0, 0, 0, day.Location())
		if opens.Before(notBefore) {
			opens = notBefore
		}
		cp := Checkpoint{Number: k, First: last + 1, Last: min(last+per, chapters), Opens: opens.UTC()}
		cps = append(cps, cp)
		last = cp.Last
	}
	return cps
}

// Zone loads p's time zone (LoadZone) and sets p.Timezone to "UTC" when
// it was empty, the zone a club records. An unknown zone fails with
// ErrInvalid and changes nothing.
func (p *ClubStart) Zone() (*time.Location, error) {
	loc, err := LoadZone(p.Timezone)
	if err != nil {
		return nil, err
	}
	if p.Timezone == "" {
		p.Timezone = "UTC"
	}
	return loc, nil
}

// LoadZone loads an IANA time zone for club dates; "" is UTC. An unknown
// zone fails with ErrInvalid.
func LoadZone(tz string) (*time.Location, error) {
	if tz == "" {
		return time.UTC, nil
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return nil, fmt.Errorf("time zone %q: %w", Truncate(tz, 60), ErrInvalid)
	}
	return loc, nil
}
