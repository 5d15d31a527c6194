package store

import "errors"

// Sentinel errors, matched with errors.Is.
var (
	ErrNotFound  = errors.New("not found")
	ErrLocked    = errors.New("database is locked by another process")
	ErrExists    = errors.New("already exists")
	ErrAmbiguous = errors.New("matches more than one record")
	ErrNewer     = errors.New("database was written by a newer fieldcrm")
)
