//go:build unix

package main

import "syscall"

// detachedAttr puts the compacting process in a session of its own: the
// terminal's Ctrl-C or hang-up, meant for the sync, does not reach it.
func detachedAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setsid: true} }
