package jobs

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func TestFireEach(t *testing.T) {
	errOdd := errors.New("odd")
	for _, tc := range []struct {
		name       string
		after      afterFailure
		wantFired  []int
		wantFailed []int
	}{
		{"go on", goOn, []int{1, 2, 3, 4}, []int{1, 3}},
		{"stop here", stopHere, []int{1}, []int{1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var fired, failed []int
			err := fireEach(context.Background(), []int{1, 2, 3, 4}, func(_ context.Context, n int) error {
				fired = append(fired, n)
				if n%2 == 1 {
					return errOdd
				}
				return nil
			}, func(n int, err error) error {
				failed = append(failed, n)
				return fmt.Errorf("item %d: %w", n, err)
			}, tc.after)
			if !reflect.DeepEqual(fired, tc.wantFired) || !reflect.DeepEqual(failed, tc.wantFailed) {
				t.Fatalf("fired %v, failed %v; want %v, %v", fired, failed, tc.wantFired, tc.wantFailed)
			}
			if !errors.Is(err, errOdd) {
				t.Fatalf("err = %v, want the items' errors joined", err)
			}
			for _, n := range tc.wantFailed {
				if want := fmt.Sprintf("item %d: odd", n); !strings.Contains(err.Error(), want) {
					t.Errorf("err = %q, missing %q", err, want)
				}
			}
		})
	}
}

// Shutdown during an item lets that item finish with a live context, then
// stops before the next and reports the shutdown, not the items.
func TestFireEachStopsBetweenItemsOnShutdown(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var fired []int
	err := fireEach(ctx, []int{1, 2, 3}, func(ictx context.Context, n int) error {
		fired = append(fired, n)
		cancel()
		if ictx.Err() != nil {
			t.Errorf("item %d saw the shutdown: %v", n, ictx.Err())
		}
		return errors.New("failed after the shutdown")
	}, func(_ int, err error) error { return err }, goOn)
	if !reflect.DeepEqual(fired, []int{1}) {
		t.Fatalf("fired %v, want [1]", fired)
	}
	if !errors.Is(err, context.Canceled) || strings.Contains(err.Error(), "failed after") {
		t.Fatalf("err = %v, want context.Canceled alone", err)
	}
}

func TestFireEachNothingDue(t *testing.T) {
	err := fireEach(context.Background(), nil, func(context.Context, int) error { return errors.New("fired") },
		func(_ int, err error) error { return err }, goOn)
	if err != nil {
		t.Fatalf("err = %v, want nil", err)
	}
}
