package review

import (
	"errors"
	"fmt"
)

// Error codes. They say what kind of failure happened, so that adapters can
// choose how to show it (an ephemeral message, a modal field error, a log
// line) without parsing text.
const (
	ECONFLICT    = "conflict"    // the action conflicts with the current state
	EFORBIDDEN   = "forbidden"   // the actor may not do this
	EINTERNAL    = "internal"    // a bug or an unexpected failure
	EINVALID     = "invalid"     // the input is not acceptable
	ENOTFOUND    = "not_found"   // the thing does not exist
	EUNAVAILABLE = "unavailable" // a dependency (the database) is down; try again
)

// Error is an application error with a message that is safe to show to the
// user. Internal details belong in a wrapped error, never in Message.
type Error struct {
	Code    string
	Message string
	// Fields holds per-field problems of an EINVALID error, keyed by the
	// field names the validating function documents.
	Fields map[string]string
	// Err is the underlying cause, for logs. It is never shown to users.
	Err error
}

func (e *Error) Error() string {
	s := fmt.Sprintf("%s: %s", e.Code, e.Message)
	if len(e.Fields) > 0 {
		s += fmt.Sprintf(" (%d field problems)", len(e.Fields))
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and a formatted user-safe message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// for any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	if e, ok := errors.AsType[*Error](err); ok {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-safe message of err. Errors that carry no
// such message get a generic apology, never their internal text.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	if e, ok := errors.AsType[*Error](err); ok {
		return e.Message
	}
	return "Something went wrong on our side. Please try again in a minute."
}

// FieldErrors returns the per-field problems of err, or nil.
func FieldErrors(err error) map[string]string {
	if e, ok := errors.AsType[*Error](err); ok {
		return e.Fields
	}
	return nil
}
