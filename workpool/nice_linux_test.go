package workpool

import (
	"syscall"
	"testing"
)

func TestBackgroundRunsAtLowPriority(t *testing.T) {
	before, err := syscall.Getpriority(syscall.PRIO_PROCESS, 0)
	if err != nil {
		t.Fatal(err)
	}
	var inside int
	ran := false
	Background(func() {
		ran = true
		// Linux's getpriority returns 20 - nice.
		inside, err = syscall.Getpriority(syscall.PRIO_PROCESS, syscall.Gettid())
	})
	if !ran || err != nil {
		t.Fatalf("ran %v, err %v", ran, err)
	}
	if 20-inside < 10 && 20-inside != 19 {
		t.Fatalf("nice inside Background is %d, want at least 10", 20-inside)
	}
	after, _ := syscall.Getpriority(syscall.PRIO_PROCESS, 0)
	if after != before {
		t.Fatalf("the process's priority changed from %d to %d", before, after)
	}
	defer func() {
		if p := recover(); p != "boom" {
			t.Fatalf("panic in f came out as %v", p)
		}
	}()
	Background(func() { panic("boom") })
}
