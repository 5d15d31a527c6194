package exchange

import (
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fieldcrm/fieldcrm/model"
)

// writeICS writes an iCalendar (RFC 5545) file of the open follow-ups (as
// all-day events on their due day) and the open or planned visits of the
// selected leads, so they show in the salesperson's calendar. Lines end in
// CRLF, are folded at 75 octets without splitting a character, and text
// is escaped.
func writeICS(w io.Writer, b *book) (int, error) {
	e := &icsWriter{w: w}
	stamp := b.now.UTC().Format("20060102T150405Z")
	e.line("BEGIN:VCALENDAR")
	e.line("VERSION:2.0")
	e.line("PRODID:-//fieldcrm//fieldcrm//EN")
	e.line("CALSCALE:GREGORIAN")
	e.line("METHOD:PUBLISH")
	e.line("X-WR-CALNAME:fieldcrm")
	n := 0
	for _, t := range b.dump.Tasks {
		l := b.leads[t.LeadID]
		due := t.EffectiveDue()
		if !t.IsOpen() || l == nil || !inRange(due, b.from, b.to) {
			continue
		}
		e.line("BEGIN:VEVENT")
		e.line("UID:" + t.ID + "@fieldcrm")
		e.line("DTSTAMP:" + stamp)
		e.line(fmt.Sprintf("DTSTART;VALUE=DATE:%04d%02d%02d", due.Y, due.M, due.D))
		end := due.AddDays(1)
		e.line(fmt.Sprintf("DTEND;VALUE=DATE:%04d%02d%02d", end.Y, end.M, end.D))
		e.line("SUMMARY:" + icsText(t.Action+" — "+l.Company))
		e.line("DESCRIPTION:" + icsText(describe(l)))
		e.line("CATEGORIES:FOLLOW-UP")
		e.line("TRANSP:TRANSPARENT")
		e.line("END:VEVENT")
		n++
	}
	for _, a := range b.dump.Activities {
		l := b.leads[a.LeadID]
		planned := a.Kind == model.KindVisit && a.StartedAt.After(b.now)
		if l == nil || !(a.Open() || planned) {
			continue
		}
		day := b.day(a.StartedAt)
		if !inRange(day, b.from, b.to) {
			continue
		}
		end := a.EndedAt
		if end.IsZero() || !end.After(a.StartedAt) {
			end = a.StartedAt.Add(time.Hour)
		}
		e.line("BEGIN:VEVENT")
		e.line("UID:" + a.ID + "@fieldcrm")
		e.line("DTSTAMP:" + stamp)
		e.line("DTSTART:" + a.StartedAt.UTC().Format("20060102T150405Z"))
		e.line("DTEND:" + end.UTC().Format("20060102T150405Z"))
		summary := "Visit — " + l.Company
		if a.Contact != "" {
			summary += " (" + a.Contact + ")"
		}
		e.line("SUMMARY:" + icsText(summary))
		if l.Address != "" || l.City != "" {
			e.line("LOCATION:" + icsText(strings.TrimSpace(l.Address+" "+l.City)))
		}
		desc := describe(l)
		if notes := a.Notes(); notes != "" {
			desc += "\n\n" + notes
		}
		e.line("DESCRIPTION:" + icsText(clipText(desc, 8<<10)))
		e.line("CATEGORIES:VISIT")
		e.line("END:VEVENT")
		n++
	}
	e.line("END:VCALENDAR")
	return n, e.err
}

// describe is the event text about a lead: the contact and how to reach them.
func describe(l *model.Lead) string {
	c := l.MainContact()
	parts := []string{l.Company}
	for _, s := range []string{c.Name, c.Title, c.Phone, c.Email} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, "\n")
}

func clipText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

type icsWriter struct {
	w   io.Writer
	err error
}

// line writes one content line, folded: no line longer than 75 octets,
// continuation lines starting with a space, never inside a UTF-8 sequence.
func (e *icsWriter) line(s string) {
	if e.err != nil {
		return
	}
	var b strings.Builder
	limit := 75
	for len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		b.WriteString(s[:cut])
		b.WriteString("\r\n ")
		s = s[cut:]
		limit = 74 // the leading space counts
	}
	b.WriteString(s)
	b.WriteString("\r\n")
	_, e.err = io.WriteString(e.w, b.String())
}

// icsText escapes TEXT values: backslash, semicolon, comma and newlines.
func icsText(s string) string {
	r := strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\r\n", `\n`, "\n", `\n`, "\r", `\n`)
	return r.Replace(s)
}
