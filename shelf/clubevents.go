package shelf

import "context"

// ClubEvents records the Discord scheduled events of clubs started with
// events: the next checkpoint is shown as a server event, created when
// the one before it opens (Checkpoint.EventID).
type ClubEvents interface {
	// SetCheckpointEvent records checkpoint n's scheduled event ("" when
	// it is gone). ErrNotFound for an unknown club or checkpoint.
	SetCheckpointEvent(ctx context.Context, guild, club string, n int, eventID string) error
}
