package sshd

import (
	"io"
	"strings"

	"github.com/fieldcrm/fieldcrm/store"
)

// private keeps the server's paths out of what a session is shown: an
// error of the user's replica (a damaged or unwritable book, a failed
// sync) names the file it is about, which is the server's, meaningless
// to the user and not theirs to know. The replica's path reads as "your
// book on the server", any other path under the data folder as "the
// server's data folder", in the session's language.
type private struct {
	book, dir       string // the replica's path, the server's data folder
	myBook, dataDir string // what they read as
}

func (f *front) private(rep *replica, lang string) private {
	return private{book: rep.st.Path(), dir: f.cfg.Dir, myBook: tr(lang, "ssh.your_book"), dataDir: tr(lang, "ssh.data_dir")}
}

// text is s with the paths replaced.
func (p private) text(s string) string {
	s = strings.ReplaceAll(s, p.book, p.myBook)
	if p.dir != "" {
		s = strings.ReplaceAll(s, p.dir, p.dataDir)
	}
	return s
}

// err is err with the paths replaced in its text; errors.Is and As still
// see what it wraps.
func (p private) err(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if hidden := p.text(msg); hidden != msg {
		return hiddenErr{err, hidden}
	}
	return err
}

type hiddenErr struct {
	err error
	msg string
}

func (e hiddenErr) Error() string { return e.msg }
func (e hiddenErr) Unwrap() error { return e.err }

// privateData is a replica as the UI reads and writes it (ui/common.Data), its
// errors private.
type privateData struct {
	st *store.Store
	p  private
}

func (d privateData) View(fn func(*store.Tx) error) error   { return d.p.err(d.st.View(fn)) }
func (d privateData) Update(fn func(*store.Tx) error) error { return d.p.err(d.st.Update(fn)) }

// writer is w with the paths replaced in each write: a command's
// standard error, whose lines are written whole.
func (p private) writer(w io.Writer) io.Writer { return privateWriter{w, p} }

type privateWriter struct {
	w io.Writer
	p private
}

func (w privateWriter) Write(b []byte) (int, error) {
	if _, err := io.WriteString(w.w, w.p.text(string(b))); err != nil {
		return 0, err
	}
	return len(b), nil
}
