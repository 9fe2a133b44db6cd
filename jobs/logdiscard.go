package jobs

import "log/slog"

// orDiscard is log, or a logger that discards when log is nil (the
// constructors' "a nil log discards").
func orDiscard(log *slog.Logger) *slog.Logger {
	if log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return log
}
