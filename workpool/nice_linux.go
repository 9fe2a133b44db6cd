package workpool

import (
	"runtime"
	"syscall"
)

// Background runs f on an operating-system thread of its own whose
// scheduling priority is lowered (nice +10), and waits for it: parsing a
// 20 MiB upload is CPU-bound for seconds, and on a machine where cores are
// scarce the kernel should run the threads answering other servers' light
// commands first. f must not take locks that light work waits on (a
// store's write lock, say): a low-priority thread holding one would make
// everyone wait for it. The thread is discarded afterwards (a thread's
// priority, once lowered, cannot be raised again without privilege).
func Background(f func()) {
	done := make(chan struct{})
	var p any
	go func() {
		defer close(done)
		defer func() { p = recover() }()
		runtime.LockOSThread() // never unlocked: the thread ends with the goroutine
		_ = syscall.Setpriority(syscall.PRIO_PROCESS, syscall.Gettid(), 10)
		f()
	}()
	<-done
	if p != nil {
		panic(p)
	}
}
