package store

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"ficshelf/shelf"
)

// CopyReport says what Copy moved: per guild, how many records of each
// kind (shelf.CountKinds), as read from the source's snapshot and found in
// the destination afterwards.
type CopyReport struct {
	Counts map[string]map[string]int
}

// Guilds is how many guilds were copied.
func (r CopyReport) Guilds() int { return len(r.Counts) }

// Total is how many records of kind were copied, over all guilds.
func (r CopyReport) Total(kind string) int {
	n := 0
	for _, c := range r.Counts {
		n += c[kind]
	}
	return n
}

// Copy copies every guild's data from src to dst, which must be empty
// (shelf.ErrNotEmpty otherwise), in one load transaction on dst from one
// snapshot of src, keeping every ID. It then checks that dst holds, per
// guild and kind, exactly what the snapshot held, and fails naming the
// differences when it does not. src may be serving while it is read.
func Copy(ctx context.Context, src, dst shelf.Copier) (CopyReport, error) {
	before, err := dst.Counts(ctx)
	if err != nil {
		return CopyReport{}, fmt.Errorf("copy: count destination: %w", err)
	}
	for g, c := range before {
		for _, n := range c {
			if n > 0 {
				return CopyReport{}, fmt.Errorf("copy: destination holds data of server %s: %w", g, shelf.ErrNotEmpty)
			}
		}
	}
	load, err := dst.Load(ctx)
	if err != nil {
		return CopyReport{}, fmt.Errorf("copy: %w", err)
	}
	defer load.Rollback(ctx)
	dumped := map[string]map[string]int{}
	err = src.Dump(ctx, func(guild string, it shelf.Item) error {
		if kind := itemKind(it); kind != "" {
			if dumped[guild] == nil {
				dumped[guild] = map[string]int{}
			}
			dumped[guild][kind]++
		}
		return load.Put(ctx, guild, it)
	})
	if err != nil {
		return CopyReport{}, fmt.Errorf("copy: %w", err)
	}
	if err := load.Commit(ctx); err != nil {
		return CopyReport{}, fmt.Errorf("copy: commit: %w", err)
	}
	after, err := dst.Counts(ctx)
	if err != nil {
		return CopyReport{}, fmt.Errorf("copy: count destination: %w", err)
	}
	if diff := countDiff(dumped, after); diff != "" {
		return CopyReport{Counts: after}, fmt.Errorf("copy: the destination does not hold what was copied: %s", diff)
	}
	return CopyReport{Counts: dumped}, nil
}

// itemKind is the shelf.CountKinds kind an item counts as; "" for items
// that are not counted (settings, sequences).
func itemKind(it shelf.Item) string {
	switch {
	case it.Story != nil:
		return "stories"
	case it.Chapter != nil:
		return "chapters"
	case it.Kudo != nil:
		return "kudos"
	case it.ListEntry != nil:
		return "list_entries"
	case it.RecThread != nil:
		return "rec_threads"
	case it.Rec != nil:
		return "recs"
	case it.RecRequest != nil:
		return "rec_requests"
	case it.Club != nil:
		return "clubs"
	case it.ClubMember != nil:
		return "club_members"
	case it.Subscription != nil:
		return "subscriptions"
	}
	return ""
}

// countDiff describes where two per-guild counts differ ("" when they
// agree), zero counts and absent ones being the same.
func countDiff(want, got map[string]map[string]int) string {
	guilds := map[string]bool{}
	for g := range want {
		guilds[g] = true
	}
	for g := range got {
		guilds[g] = true
	}
	var out []string
	for _, g := range slices.Sorted(maps.Keys(guilds)) {
		for _, k := range shelf.CountKinds {
			if w, h := want[g][k], got[g][k]; w != h {
				out = append(out, fmt.Sprintf("server %s %s: %d copied, %d found", g, k, w, h))
			}
		}
	}
	return strings.Join(out, "; ")
}
