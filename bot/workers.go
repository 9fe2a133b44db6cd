package bot

import (
	"context"
	"log/slog"
	"time"
)

// workerIdle is how long a pooled goroutine waits for more work before it
// exits.
const workerIdle = 10 * time.Second

// workers runs functions on reused goroutines. Each interaction used to
// start two goroutines (its dispatch and its handler); both call deep into
// JSON, the store and net/http, so each new goroutine grew its stack from
// 8 KiB by copying it several times (runtime.newstack and copystack were 7 %
// of the bot's CPU in the load test's profile). A pooled goroutine keeps
// its grown stack for the next function. Nothing is ever queued: a
// function goes to an idle goroutine, or to a new one, so the pool limits
// nothing and delays nothing.
type workers struct {
	work chan func() // unbuffered: a send succeeds only into an idle worker
}

func newWorkers() *workers { return &workers{work: make(chan func())} }

// Go runs f on an idle pooled goroutine, or on a new one.
func (w *workers) Go(f func()) {
	select {
	case w.work <- f:
	default:
		go w.run(f)
	}
}

func (w *workers) run(f func()) {
	f()
	t := time.NewTimer(workerIdle)
	defer t.Stop()
	for {
		select {
		case f := <-w.work:
			f()
			t.Reset(workerIdle)
		case <-t.C:
			return
		}
	}
}

// interactionLog is a slog.Handler that adds an interaction's attributes
// to each record it handles. The answerer used Logger.With for that, which
// with slog's built-in handlers formats the attributes at once, for every
// interaction, though an interaction answered normally logs nothing.
type interactionLog struct {
	h              slog.Handler
	id, kind, name string
}

func (l *interactionLog) attrs() []slog.Attr {
	return []slog.Attr{slog.String("interaction", l.id), slog.String("kind", l.kind), slog.String("name", l.name)}
}

func (l *interactionLog) Enabled(ctx context.Context, level slog.Level) bool {
	return l.h.Enabled(ctx, level)
}

func (l *interactionLog) Handle(ctx context.Context, r slog.Record) error {
	r = r.Clone()
	r.AddAttrs(l.attrs()...)
	return l.h.Handle(ctx, r)
}

func (l *interactionLog) WithAttrs(as []slog.Attr) slog.Handler {
	return l.h.WithAttrs(append(l.attrs(), as...))
}

func (l *interactionLog) WithGroup(name string) slog.Handler {
	return l.h.WithAttrs(l.attrs()).WithGroup(name)
}
