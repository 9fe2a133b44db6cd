package bolt

import (
	"context"
	"fmt"

	"ficshelf/shelf"
)

// SetCheckpointEvent records checkpoint n's scheduled event (in the club's
// record: no bucket of its own).
func (s *Store) SetCheckpointEvent(ctx context.Context, guild, club string, n int, eventID string) error {
	err := s.update(ctx, guild, func(g *guildTx) error {
		cid, c, cp, err := checkpointTx(g, club, n)
		if err != nil {
			return err
		}
		cp.EventID = eventID
		return putClub(g, cid, c)
	})
	if err != nil {
		return fmt.Errorf("set checkpoint event: %w", err)
	}
	return nil
}

var _ shelf.ClubEvents = (*Store)(nil)
