// Package storage keeps the program's data with gorm, in an embedded SQLite
// file by default or in PostgreSQL.
//
// It speaks the domain: it returns review types and review errors
// (ENOTFOUND, ECONFLICT, EUNAVAILABLE when the database cannot be reached)
// and hides gorm. Every change to program data is one transaction that also
// writes its audit rows and the outbox rows of the notifications it causes.
// Loaders are set-based: a fixed number of queries whatever the number of
// people.
package storage
