package commands

import "fmt"

// UserError is an error whose Message is meant for the member: a clear,
// human sentence saying what went wrong and, where possible, what to do.
// The Router answers it ephemerally; nothing else about it is shown.
type UserError struct {
	Message string
	// Err is an optional cause, for logs and errors.Is.
	Err error
}

func (e *UserError) Error() string {
	if e.Err != nil {
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

func (e *UserError) Unwrap() error { return e.Err }

// Errorf returns a *UserError with a formatted message.
func Errorf(format string, args ...any) error {
	return &UserError{Message: fmt.Sprintf(format, args...)}
}

// Sorry wraps cause in a *UserError with msg, keeping cause for errors.Is.
func Sorry(cause error, msg string) error {
	return &UserError{Message: msg, Err: cause}
}
