//go:build !unix

package main

import (
	"os"
	"syscall"
)

// canDetach: a process cannot be handed a pipe on descriptor 3 here, so
// a sync compacts in its own process.
const canDetach = false

func detachedAttr() *syscall.SysProcAttr { return nil }

func syncPipe() *os.File { return nil }
