package review

import (
	"errors"
	"fmt"
	"testing"
)

// TestError: what an error says in the logs (code, message, how many
// fields, the cause) and what it says to people (the message, never the
// cause).
func TestError(t *testing.T) {
	cause := errors.New("pq: connection refused")
	tests := []struct {
		name     string
		err      error
		log      string
		code     string
		message  string
		hasCause bool
	}{
		{"a refusal", Errorf(EFORBIDDEN, "Only %s can do that.", "Eli"), "forbidden: Only Eli can do that.", EFORBIDDEN, "Only Eli can do that.", false},
		{"a form with two problems", &Error{Code: EINVALID, Message: "Check the form.", Fields: map[string]string{"a": "x", "b": "y"}},
			"invalid: Check the form. (2 field problems)", EINVALID, "Check the form.", false},
		{"an outage with its cause", &Error{Code: EUNAVAILABLE, Message: "We can't reach our database right now.", Err: cause},
			"unavailable: We can't reach our database right now.: pq: connection refused", EUNAVAILABLE, "We can't reach our database right now.", true},
		{"wrapped", fmt.Errorf("save check-in 4: %w", Errorf(ECONFLICT, "Already saved.")), "save check-in 4: conflict: Already saved.", ECONFLICT, "Already saved.", false},
		{"any other error", cause, "pq: connection refused", EINTERNAL, "Something went wrong on our side. Please try again in a minute.", true},
		{"no error", nil, "", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.err != nil && tt.err.Error() != tt.log {
				t.Errorf("Error() = %q, want %q", tt.err.Error(), tt.log)
			}
			if got := ErrorCode(tt.err); got != tt.code {
				t.Errorf("ErrorCode = %q, want %q", got, tt.code)
			}
			if got := ErrorMessage(tt.err); got != tt.message {
				t.Errorf("ErrorMessage = %q, want %q", got, tt.message)
			}
			if got := errors.Is(tt.err, cause); got != tt.hasCause {
				t.Errorf("errors.Is(cause) = %v, want %v", got, tt.hasCause)
			}
		})
	}
}
