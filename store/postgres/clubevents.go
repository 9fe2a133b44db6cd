package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"ficshelf/shelf"
)

// SetCheckpointEvent records checkpoint n's scheduled event in the club's
// document, under its row lock.
func (s *Store) SetCheckpointEvent(ctx context.Context, guild, club string, n int, eventID string) error {
	gid, err := parseGuild(guild)
	if err != nil {
		return err
	}
	return s.tx(ctx, "set checkpoint event", func(tx pgx.Tx) error {
		cid, c, cp, err := checkpoint(ctx, tx, gid, club, n)
		if err != nil {
			return err
		}
		cp.EventID = eventID
		return putClub(ctx, tx, gid, cid, c)
	})
}

var _ shelf.ClubEvents = (*Store)(nil)
