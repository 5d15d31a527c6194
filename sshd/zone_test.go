package sshd_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/server"
	"github.com/fieldcrm/fieldcrm/sshd"
	"github.com/fieldcrm/fieldcrm/store"
)

// todayExec prints the day the daily review is of, the zone it was given,
// and the companies due that day.
func todayExec(_ context.Context, e sshd.Exec) int {
	var rep store.TodayReport
	err := e.Store.View(func(tx *store.Tx) error {
		var err error
		rep, err = tx.Today()
		return err
	})
	if err != nil {
		fmt.Fprintln(e.Stderr, err)
		return 1
	}
	var due []string
	for _, s := range rep.Sections {
		if s.Key == store.SectionToday {
			for _, it := range s.Items {
				due = append(due, it.Company)
			}
		}
	}
	fmt.Fprintf(e.Stdout, "day %s zone %q due %s\n", rep.Date, e.Zone, strings.Join(due, ","))
	return 0
}

// TestClientTimeZone: a session counts its days in the zone its client's
// TZ names, else in the server's. At any moment Kiritimati (UTC+14) and
// Pago Pago (UTC-11) are on different days: a follow-up due on
// Kiritimati's today is due today for a client there and not for one in
// Pago Pago, from the same book at the same time; a zone the server does
// not know, or none, is the server's.
func TestClientTimeZone(t *testing.T) {
	tm := startTeam(t, sshd.Config{Exec: todayExec}, map[string]string{"ann": server.RoleRep})
	kiri, err := time.LoadLocation("Pacific/Kiritimati")
	if err != nil {
		t.Skipf("no zone database: %v", err)
	}
	pago, err := time.LoadLocation("Pacific/Pago_Pago")
	if err != nil {
		t.Skipf("no zone database: %v", err)
	}
	now := time.Now()
	l := tm.laptop(t, "ann")
	id := l.addLead(t, "Kiritimati Kilns")
	if err := l.st.Update(func(tx *store.Tx) error {
		_, err := tx.SetFollowUp(id, model.Today(now, kiri), "call")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	l.sync(t)
	c, err := tm.dial(tm.keys["ann"])
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	run := func(tz string) string {
		t.Helper()
		sess, err := c.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		defer sess.Close()
		if tz != "" {
			if err := sess.Setenv("TZ", tz); err != nil {
				t.Fatalf("TZ=%s refused: %v", tz, err)
			}
		}
		out, err := sess.Output("today --json")
		if err != nil {
			t.Fatalf("TZ=%s: %v, %q", tz, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	local := model.Today(time.Now(), time.Local)
	localDue := ""
	if local == model.Today(time.Now(), kiri) {
		localDue = "Kiritimati Kilns"
	}
	for _, tc := range []struct{ tz, want string }{
		{"Pacific/Kiritimati", fmt.Sprintf("day %s zone %q due Kiritimati Kilns", model.Today(time.Now(), kiri), "Pacific/Kiritimati")},
		{":Pacific/Kiritimati", fmt.Sprintf("day %s zone %q due Kiritimati Kilns", model.Today(time.Now(), kiri), "Pacific/Kiritimati")},
		{"Pacific/Pago_Pago", fmt.Sprintf("day %s zone %q due ", model.Today(time.Now(), pago), "Pacific/Pago_Pago")},
		{"Nowhere/Atlantis", fmt.Sprintf("day %s zone \"\" due %s", local, localDue)},
		{"/etc/passwd", fmt.Sprintf("day %s zone \"\" due %s", local, localDue)},
		{"", fmt.Sprintf("day %s zone \"\" due %s", local, localDue)},
	} {
		if got := run(tc.tz); got != strings.TrimSpace(tc.want) {
			t.Errorf("TZ=%q: %q, want %q", tc.tz, got, strings.TrimSpace(tc.want))
		}
	}
}

// TestClientTimeZoneInTheUI: the daily review on screen (2) is the
// client's zone's too: the same follow-up is due today from Kiritimati
// and in the next 7 days from Pago Pago, in two sessions open at once on
// the user's one replica.
func TestClientTimeZoneInTheUI(t *testing.T) {
	tm := startTeam(t, sshd.Config{}, map[string]string{"ann": server.RoleRep})
	kiri, err := time.LoadLocation("Pacific/Kiritimati")
	if err != nil {
		t.Skipf("no zone database: %v", err)
	}
	l := tm.laptop(t, "ann")
	id := l.addLead(t, "Kiritimati Kilns")
	if err := l.st.Update(func(tx *store.Tx) error {
		_, err := tx.SetFollowUp(id, model.Today(time.Now(), kiri), "call")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	l.sync(t)
	section := func(zone string) string {
		c, err := tm.dial(tm.keys["ann"])
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		s := openUI(t, c, "TZ="+zone)
		s.waitFor(t, "Kiritimati Kilns", 20*time.Second)
		if _, err := s.in.Write([]byte("2")); err != nil {
			t.Fatal(err)
		}
		s.waitFor(t, "call", 10*time.Second)
		// The heading drawn last before the follow-up's line: the page
		// draws its sections top to bottom.
		text := s.text()
		heads := text[:strings.LastIndex(text, "Kiritimati Kilns")]
		best, at := "", -1
		for _, h := range []string{"Due today", "Next 7 days", "Overdue"} {
			if i := strings.LastIndex(heads, h); i > at {
				best, at = h, i
			}
		}
		return best
	}
	if got := section("Pacific/Kiritimati"); got != "Due today" {
		t.Errorf("from Kiritimati the follow-up is under %q, want Due today", got)
	}
	if got := section("Pacific/Pago_Pago"); got != "Next 7 days" {
		t.Errorf("from Pago Pago the follow-up is under %q, want Next 7 days", got)
	}
}
