// Command fieldcrm is an offline-first CRM for field sales teams: a
// terminal UI over a local database, scriptable subcommands for everything
// the UI does, and the central sync server.
package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/fieldcrm/fieldcrm/model"
)

func main() {
	defer lastResort()
	detachCompaction = true // compact_detach.go: this is the command, not a test of it
	root := newRootCmd(os.Stdin, os.Stdout, os.Stderr)
	stopProfile := startCPUProfile(os.Stderr) // cpuprofile.go: none unless asked for
	err := root.Execute()
	stopProfile()
	if err != nil {
		fmt.Fprintln(os.Stderr, "fieldcrm: "+sentence(err))
		var ee exitError
		if errors.As(err, &ee) {
			os.Exit(ee.code)
		}
		os.Exit(1)
	}
}

// lastResort turns a panic that escaped every command into one sentence
// and a non-zero exit: a user never sees a Go stack trace.
func lastResort() {
	if r := recover(); r != nil {
		fmt.Fprintln(os.Stderr, "fieldcrm: internal error ("+model.PrintableFlat(fmt.Sprint(r))+"); if a book is damaged, 'fieldcrm doctor' checks it")
		os.Exit(3)
	}
}

// exitError carries a specific exit status.
type exitError struct {
	code int
	err  error
}

func (e exitError) Error() string { return e.err.Error() }
func (e exitError) Unwrap() error { return e.err }

// sentence turns an error into the one line a user sees. An error may
// carry the server's words, so its control characters are shown escaped
// (\x1b), never acted on by the terminal.
func sentence(err error) string {
	msg := err.Error()
	if fes := model.FieldErrors(err); len(fes) > 0 {
		msg = "invalid input: "
		for i, fe := range fes {
			if i > 0 {
				msg += "; "
			}
			msg += fe.Field + " " + fe.Problem
		}
		if kept := (*typedKept)(nil); errors.As(err, &kept) {
			msg += kept.where()
		}
	}
	return model.Printable(strings.ReplaceAll(msg, "\n", "; "))
}
