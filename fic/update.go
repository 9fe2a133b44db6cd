package fic

import (
	"sort"
	"strings"
	"time"
)

// Changes is what changed in an AO3 work between two looks at it (what
// the library knew, and AO3's page now), as CompareWork finds it.
type Changes struct {
	// Chapters posted and expected (0 = unknown, "?"), before and now.
	OldPosted, NewPosted     int
	OldExpected, NewExpected int
	// Completed: the work is complete now and was not; Reopened: it was
	// complete and is not any more (chapters were planned past the end).
	Completed, Reopened bool
	OldWords, NewWords  int
	// OldUpdated/NewUpdated are AO3's updated (or completed) dates; zero
	// when unknown. UpdatedChanged is true only when both are known.
	OldUpdated, NewUpdated time.Time
	UpdatedChanged         bool
	// Title, rating: the new value when it changed, else empty.
	OldTitle, NewTitle   string
	OldRating, NewRating Rating
	// Warnings added and removed, in AO3's spelling.
	WarningsAdded, WarningsRemoved []string
}

// WorkUpdate is a work's fresh details with what changed since the stored
// copy: what an update check hands to the alerting code.
type WorkUpdate struct {
	WorkID  int64
	Fetched *Story
	Changes Changes
}

// CompareWork reports what changed from old (the stored story) to new (the
// work as AO3 shows it now). Either may be nil (then nothing is reported).
func CompareWork(old, new *Story) Changes {
	var c Changes
	if old == nil || new == nil {
		return c
	}
	c.OldPosted, c.NewPosted = old.ChaptersPosted, new.ChaptersPosted
	c.OldExpected, c.NewExpected = old.ChaptersExpected, new.ChaptersExpected
	wasDone, isDone := old.Complete(), new.Complete()
	c.Completed = isDone && !wasDone
	c.Reopened = wasDone && !isDone
	c.OldWords, c.NewWords = old.Words, new.Words
	c.OldUpdated, c.NewUpdated = old.Updated, new.Updated
	c.UpdatedChanged = !old.Updated.IsZero() && !new.Updated.IsZero() && !old.Updated.Equal(new.Updated)
	if strings.TrimSpace(new.Title) != "" && cleanSpace(old.Title) != cleanSpace(new.Title) {
		c.OldTitle, c.NewTitle = old.Title, new.Title
	}
	oldR, newR := normRating(old.Rating), normRating(new.Rating)
	if oldR != newR {
		c.OldRating, c.NewRating = oldR, newR
	}
	oldW, newW := warningSet(old.Warnings), warningSet(new.Warnings)
	for w := range newW {
		if !oldW[w] {
			c.WarningsAdded = append(c.WarningsAdded, w)
		}
	}
	for w := range oldW {
		if !newW[w] {
			c.WarningsRemoved = append(c.WarningsRemoved, w)
		}
	}
	sort.Strings(c.WarningsAdded)
	sort.Strings(c.WarningsRemoved)
	return c
}

func normRating(r Rating) Rating {
	if r == "" {
		return RatingNotRated
	}
	n, _ := ParseRating(string(r))
	return n
}

func warningSet(ws []string) map[string]bool {
	out := map[string]bool{}
	for _, w := range ws {
		if w = NormalizeWarning(w); w != "" {
			out[w] = true
		}
	}
	return out
}

// NewChapters is how many more chapters are posted than before (0 when
// none, or fewer).
func (c Changes) NewChapters() int {
	return max(0, c.NewPosted-c.OldPosted)
}

// Any reports whether the change is one subscribers are told about: more
// chapters posted, a different chapter total or posted count, completion,
// title, rating or warnings. Words or the updated date alone (an edit of
// posted chapters) are not.
func (c Changes) Any() bool {
	return c.NewPosted != c.OldPosted || c.NewExpected != c.OldExpected || c.Completed || c.Reopened ||
		c.NewTitle != "" || c.NewRating != "" || len(c.WarningsAdded) > 0 || len(c.WarningsRemoved) > 0
}

// Differs reports whether anything the library stores changed, words and
// updated date included: the stored story should be refreshed even when
// Any is false.
func (c Changes) Differs() bool {
	return c.Any() || c.OldWords != c.NewWords || c.UpdatedChanged || c.OldUpdated.IsZero() != c.NewUpdated.IsZero()
}

// Summary is a short sentence of what changed for an alert, e.g.
// "2 new chapters (5/12), now complete, rating now Mature". It is "" when
// Any is false.
func (c Changes) Summary() string {
	if !c.Any() {
		return ""
	}
	count := chapterCount(c.NewPosted, c.NewExpected)
	var parts []string
	switch n := c.NewChapters(); {
	case n == 1:
		parts = append(parts, "1 new chapter ("+count+")")
	case n > 1:
		parts = append(parts, itoa(n)+" new chapters ("+count+")")
	case c.NewPosted < c.OldPosted:
		parts = append(parts, "chapters now "+count)
	case c.NewExpected != c.OldExpected && !c.Completed && !c.Reopened:
		if c.NewExpected == 0 {
			parts = append(parts, "chapter total now unknown ("+count+")")
		} else {
			parts = append(parts, "now planned as "+itoa(c.NewExpected)+" chapters ("+count+")")
		}
	}
	if c.Completed {
		parts = append(parts, "now complete")
	}
	if c.Reopened {
		parts = append(parts, "no longer complete ("+count+")")
	}
	if c.NewTitle != "" {
		parts = append(parts, "retitled “"+c.NewTitle+"”")
	}
	if c.NewRating != "" {
		parts = append(parts, "rating now "+string(c.NewRating))
	}
	if len(c.WarningsAdded) > 0 {
		label := "new warning: "
		if len(c.WarningsAdded) > 1 {
			label = "new warnings: "
		}
		parts = append(parts, label+strings.Join(c.WarningsAdded, ", "))
	}
	if len(c.WarningsRemoved) > 0 {
		label := "warning removed: "
		if len(c.WarningsRemoved) > 1 {
			label = "warnings removed: "
		}
		parts = append(parts, label+strings.Join(c.WarningsRemoved, ", "))
	}
	return strings.Join(parts, ", ")
}

func chapterCount(posted, expected int) string {
	s := &Story{ChaptersPosted: posted, ChaptersExpected: expected}
	return s.ChapterCount()
}
