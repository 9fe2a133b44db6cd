package jobs

import (
	"context"
	"errors"
	"time"
)

// Sources runs several due sources on one scheduler (and so under one
// lease): NextDue is the earliest of theirs, FireDue fires each source
// that is due. A source that fails does not hold the others back; the
// errors are joined.
type Sources []DueSource

// NextDue implements DueSource.
func (ss Sources) NextDue(ctx context.Context) (time.Time, bool, error) {
	var (
		next time.Time
		any  bool
		errs []error
	)
	for _, s := range ss {
		at, ok, err := s.NextDue(ctx)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if ok && (!any || at.Before(next)) {
			next, any = at, true
		}
	}
	if len(errs) > 0 && !any {
		return time.Time{}, false, errors.Join(errs...)
	}
	return next, any, nil
}

// FireDue implements DueSource.
func (ss Sources) FireDue(ctx context.Context, now time.Time) error {
	var errs []error
	for _, s := range ss {
		at, ok, err := s.NextDue(ctx)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !ok || at.After(now) {
			continue
		}
		if err := s.FireDue(ctx, now); err != nil {
			errs = append(errs, err)
		}
		if ctx.Err() != nil {
			break
		}
	}
	return errors.Join(errs...)
}
