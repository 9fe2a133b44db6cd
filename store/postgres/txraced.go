package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// txRaced is tx for a transaction that looks for a row and inserts one
// when there is none, where a unique index keeps the rule across
// processes (one active club, one open poll per channel). When another
// process inserted its row between the look and the insert, the index
// refuses ours (23505) and fn runs again, up to 3 more times: it then
// finds the other's row and reports it as the rule says (ErrClubActive,
// ErrPollOpen).
func (s *Store) txRaced(ctx context.Context, what string, fn func(pgx.Tx) error) error {
	for attempt := 0; ; attempt++ {
		err := s.tx(ctx, what, fn)
		if attempt < 3 && pgCode(err) == "23505" {
			continue
		}
		return err
	}
}
