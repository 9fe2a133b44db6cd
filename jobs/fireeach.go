package jobs

import (
	"context"
	"errors"
)

// afterFailure says what fireEach does after an item failed.
type afterFailure bool

const (
	// goOn fires the remaining items: they do not depend on the failed one.
	goOn afterFailure = false
	// stopHere leaves the remaining items for the next run: they must
	// follow the failed one (a club's checkpoints, in order).
	stopHere afterFailure = true
)

// fireEach is the loop of a DueSource's FireDue: it fires each of due in
// order and returns the errors of the items that failed, joined (nil when
// none did).
//
// Each item is fired under ctx without its cancellation, so shutdown never
// stops an item in the middle (a half-done post would have to wait for its
// nonce to save it); shutdown is looked at between items, and once ctx is
// done fireEach fires no more and returns ctx's error alone.
//
// failed is called with each item that failed and its error, to log it; it
// returns the error to join (it may wrap it). after says whether the loop
// goes on after a failure.
func fireEach[T any](ctx context.Context, due []T, fire func(context.Context, T) error, failed func(T, error) error, after afterFailure) error {
	var errs []error
	opCtx := context.WithoutCancel(ctx)
	for _, d := range due {
		if err := ctx.Err(); err != nil {
			return err
		}
		err := fire(opCtx, d)
		if err == nil {
			continue
		}
		errs = append(errs, failed(d, err))
		if after == stopHere {
			break
		}
	}
	return errors.Join(errs...)
}
