package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/term"
)

// progress shows a bar on stderr for work that takes longer than a moment,
// and only when stderr is a terminal. It draws one line of its own rather
// than use a progress bar library, whose package init every command would
// pay for.
type progress struct {
	w       io.Writer
	label   string
	start   time.Time
	drawn   time.Time // when the bar was last drawn; zero before the first
	enabled bool
}

func (a *app) progress(label string) *progress {
	p := &progress{w: a.err, label: label, start: time.Now()}
	if f, ok := a.err.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.enabled = true
	}
	return p
}

func (p *progress) update(done, total int) {
	if !p.enabled || total <= 0 {
		return
	}
	now := time.Now()
	switch {
	case p.drawn.IsZero() && (done >= total || now.Sub(p.start) < 700*time.Millisecond):
		return
	case !p.drawn.IsZero() && done < total && now.Sub(p.drawn) < 100*time.Millisecond:
		return
	}
	p.drawn = now
	fmt.Fprint(p.w, "\r"+progressLine(p.label, done, total, 30))
}

// count shows n, for work whose total is not known: the label is a
// format with one %d.
func (p *progress) count(n int) {
	if !p.enabled {
		return
	}
	now := time.Now()
	if now.Sub(p.start) < 700*time.Millisecond || now.Sub(p.drawn) < 100*time.Millisecond {
		return
	}
	p.drawn = now
	fmt.Fprintf(p.w, "\r"+p.label+"\x1b[K", n)
}

// finish clears the bar's line, if it drew one, once.
func (p *progress) finish() {
	if !p.drawn.IsZero() {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.drawn = time.Time{}
	}
}

// progressLine draws "label  42% [============>                 ] (420/1000)"
// with a bar width cells wide.
func progressLine(label string, done, total, width int) string {
	done = min(max(done, 0), total)
	fill := done * width / total
	bar := strings.Repeat("=", fill)
	if fill < width {
		bar += ">" + strings.Repeat(" ", width-fill-1)
	}
	return fmt.Sprintf("%s %3d%% [%s] (%d/%d)", label, done*100/total, bar, done, total)
}
