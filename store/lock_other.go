//go:build !unix

package store

import (
	"os"
	"time"
)

// lockSidecar is a no-op where flock does not exist: bbolt's own file lock
// (with its timeout) is then the only one.
func lockSidecar(path string, timeout time.Duration) (*os.File, error) { return nil, nil }

// lockHolder cannot be known here.
func lockHolder(path string) int { return 0 }
