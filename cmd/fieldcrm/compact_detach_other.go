//go:build !unix

package main

import "syscall"

// detachedAttr: the process is started as any other.
func detachedAttr() *syscall.SysProcAttr { return nil }
