package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/spf13/cobra"
)

// widest is the display width of out's widest line.
func widest(out string) int {
	w := 0
	for _, l := range strings.Split(out, "\n") {
		w = max(w, ansi.StringWidth(l))
	}
	return w
}

// TestListsFitTheTerminal: lead list and visit list with long Chinese and
// English companies and notes stay within 80 and 120 columns, keep every
// id whole, and give way in the widest free-text column first.
func TestListsFitTheTerminal(t *testing.T) {
	c := newCLI(t)
	zh := "北京市朝阳区某某国际能源科技集团股份有限公司第三分公司华北大区销售服务中心"
	en := "Northwind International Energy Technology Holdings Group Limited, Beijing Representative Office"
	var ids []string
	for _, co := range []string{zh, en} {
		var l model.Lead
		out := c.ok("lead", "add", "--company", co, "--contact", "王伟", "--city", "北京", "--value", "1200000", "--json")
		if err := json.Unmarshal([]byte(out), &l); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, store.ShortID(l.ID))
	}
	c.ok("visit", "add", en[:9], "--notes", strings.Repeat("客户对方案很满意，下周安排技术交流。", 4), "--duration", "30m")

	for _, width := range []string{"80", "120"} {
		t.Setenv("COLUMNS", width)
		w := map[string]int{"80": 80, "120": 120}[width]
		list := c.ok("lead", "list")
		visits := c.ok("visit", "list")
		for name, out := range map[string]string{"lead list": list, "visit list": visits} {
			if got := widest(out); got > w {
				t.Errorf("%s at %s columns is %d wide:\n%s", name, width, got, out)
			}
		}
		for _, id := range ids {
			if !strings.Contains(list, id+"  ") {
				t.Errorf("lead list at %s columns lacks the whole id %s:\n%s", width, id, list)
			}
		}
		if !strings.Contains(list, "…") || strings.Contains(list, zh) {
			t.Errorf("lead list at %s columns does not cut the long company:\n%s", width, list)
		}
		// The notes are the widest free text of the visit list: cut
		// before the company, which keeps more of itself.
		row := strings.Split(strings.TrimSpace(visits), "\n")[1]
		if !strings.Contains(row, "Northwind") || strings.Contains(row, "下周安排技术交流。客户") {
			t.Errorf("visit list at %s columns cut the wrong column:\n%s", width, visits)
		}
	}
	t.Setenv("COLUMNS", "300")
	if list := c.ok("lead", "list"); !strings.Contains(list, zh) || !strings.Contains(list, en) {
		t.Errorf("a wide terminal cut a company:\n%s", list)
	}
}

// TestTodaySaysWhatIsDueApartFromHowLongIdle: follow-ups are listed by
// their due date and how late they are, not mixed with idle days.
func TestTodaySaysWhatIsDueApartFromHowLongIdle(t *testing.T) {
	c := newCLI(t)
	t.Setenv("COLUMNS", "80")
	c.ok("lead", "add", "--company", "上海长江国际物流集团有限公司华东区域销售中心")
	c.ok("followup", "set", "上海长江", "today", "Call the buyer about the revised quotation")
	c.ok("lead", "add", "--company", "Acme")
	c.ok("followup", "set", "Acme", "yesterday", "Send quote")
	out := c.ok("today")
	if got := widest(out); got > 80 {
		t.Errorf("today is %d wide:\n%s", got, out)
	}
	for _, want := range []string{"DUE", "LATE BY", "1 day", "TO DO", "COMPANY"} {
		if !strings.Contains(out, want) {
			t.Errorf("today lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "idle") || strings.Contains(out, "(-1d)") {
		t.Errorf("today mixes idle days or terse lateness into the due column:\n%s", out)
	}
}

// TestHelpFitsIn80Columns walks every command and checks every line of
// its help.
func TestHelpFitsIn80Columns(t *testing.T) {
	root := newRootCmd(strings.NewReader(""), &bytes.Buffer{}, &bytes.Buffer{})
	var walk func(cmd *cobra.Command)
	walk = func(cmd *cobra.Command) {
		var out bytes.Buffer
		cmd.SetOut(&out)
		cmd.SetErr(&out)
		if err := cmd.Help(); err != nil {
			t.Fatalf("%s --help: %v", cmd.CommandPath(), err)
		}
		for _, l := range strings.Split(out.String(), "\n") {
			if w := ansi.StringWidth(l); w > 80 {
				t.Errorf("%s --help: a line of %d columns:\n%s", cmd.CommandPath(), w, l)
			}
		}
		for _, sub := range cmd.Commands() {
			walk(sub)
		}
	}
	walk(root)
}
