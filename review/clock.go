package review

import "time"

// Clock tells the current instant. main builds one and hands it to every
// part of the application that needs "now"; tests and rehearsals replace it.
type Clock interface {
	Now() time.Time
}

// SystemClock reads the machine's clock.
type SystemClock struct{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }

// ClockFunc adapts a function to the Clock interface.
type ClockFunc func() time.Time

// Now calls f.
func (f ClockFunc) Now() time.Time { return f() }
