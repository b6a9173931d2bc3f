// Package review holds the rules of the MassPerform program: the fiscal
// calendar and its quarters, who may do what to whom, what makes an
// expectation or a goal acceptable, how a roster file is read and checked,
// and what is due on a given day.
//
// It is the centre of the application. It imports only the standard library:
// no Slack, no database, no scheduler. Nothing here reads the clock; every
// function that depends on the day takes it as an argument, so each rule can
// be tested on any date.
package review
