package model

import "github.com/google/uuid"

// NewID returns a new time-ordered id (UUIDv7): ids sort by creation time,
// which keeps bbolt's B+tree appends cheap and ids unique across devices.
func NewID() string {
	return uuid.Must(uuid.NewV7()).String()
}
