package bot

import "time"

// Observer is told what the bot does, for metrics. Every method must be
// safe for concurrent use and return quickly. Config.Observer may be nil.
type Observer interface {
	// InteractionDone is called once per interaction after its last answer
	// was sent (or failed). kind is "command", "message_command",
	// "user_command", "autocomplete", "component" or "modal"; name is the
	// command name, or for components and modals the route of the
	// custom_id (see RouteOfCustomID). outcome is one of the Outcome
	// constants; d runs from receipt to the last answer; deferred tells
	// whether the bot acknowledged first.
	InteractionDone(kind, name, outcome string, d time.Duration, deferred bool)
	// RESTError is called for each REST response with status >= 400, and
	// with status 0 when the request failed without a response. route has
	// no IDs or tokens (see Route).
	RESTError(route string, status int)
	// Reconnect is called each time a gateway shard connects again after
	// its first connection of a Run.
	Reconnect(shard int)
	// ShardState is called when a gateway shard's state changes (one of
	// the Shard* constants).
	ShardState(shard int, state string)
}

// Outcomes reported to Observer.InteractionDone.
const (
	OutcomeOK       = "ok"       // the handler's answer was delivered
	OutcomeError    = "error"    // the handler returned an error or nil answer; the member was told
	OutcomePanic    = "panic"    // the handler panicked; the member was told
	OutcomeLate     = "late"     // autocomplete too slow: empty choices were sent
	OutcomeFailed   = "failed"   // Discord refused or did not take an answer
	OutcomeShutdown = "shutdown" // arrived while shutting down; the member was asked to retry
)

// nopObserver is used when Config.Observer is nil.
type nopObserver struct{}

func (nopObserver) InteractionDone(string, string, string, time.Duration, bool) {}
func (nopObserver) RESTError(string, int)                                       {}
func (nopObserver) Reconnect(int)                                               {}
func (nopObserver) ShardState(int, string)                                      {}
