package review

import (
	"sync/atomic"
	"time"
)

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

// ShiftedClock is a clock set ahead of (or behind) another by a shift: a
// rehearsal's virtual clock. It moves on as the base clock does, so a
// rehearsal afternoon passes like a real one. Safe for concurrent use.
type ShiftedClock struct {
	base  Clock
	shift atomic.Int64
}

// NewShiftedClock returns a clock that reads base plus shift.
func NewShiftedClock(base Clock, shift time.Duration) *ShiftedClock {
	c := &ShiftedClock{base: base}
	c.shift.Store(int64(shift))
	return c
}

// Now returns the base clock's time plus the shift.
func (c *ShiftedClock) Now() time.Time { return c.base.Now().Add(c.Shift()) }

// Shift returns how far the clock is from its base.
func (c *ShiftedClock) Shift() time.Duration { return time.Duration(c.shift.Load()) }

// SetShift moves the clock to its base plus d.
func (c *ShiftedClock) SetShift(d time.Duration) { c.shift.Store(int64(d)) }

// Base returns the clock the shift is applied to.
func (c *ShiftedClock) Base() Clock { return c.base }
