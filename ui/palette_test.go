package ui_test

import (
	"strings"
	"testing"

	"github.com/fieldcrm/fieldcrm/ui/internal/uitest"
)

func TestPaletteFindsLeadsAndActions(t *testing.T) {
	t.Parallel()
	d, _ := newDriver(t, "en", uitest.English, 100, 30)
	d.send(ctrl('k'))
	if scr := d.plain(); !strings.Contains(scr, "Lead or action:") || !strings.Contains(scr, "Go to today") {
		t.Fatalf("ctrl+k opens no palette:\n%s", scr)
	}
	d.keys("text:hrbr lgst", "enter")
	if scr := d.plain(); !strings.Contains(scr, "Harbor Logistics  [Qualified]") {
		t.Fatalf("a fuzzy company name does not open the lead:\n%s", scr)
	}
	d.keys(":", "text:visit log", "enter")
	if scr := d.plain(); !strings.Contains(scr, "Visit log") || !strings.Contains(scr, "all kinds") {
		t.Fatalf("an action by name does not run:\n%s", scr)
	}
	d.keys(":", "text:start visit", "enter", "text:grace", "enter")
	if scr := d.plain(); !strings.Contains(scr, "Visit: Granite Steel Group") {
		t.Fatalf("start visit from the palette (contact name):\n%s", scr)
	}
}

func TestPaletteInChinese(t *testing.T) {
	t.Parallel()
	d, _ := newDriver(t, "zh", uitest.Chinese, 80, 24)
	d.send(ctrl('k'))
	d.keys("text:金桥", "enter")
	if scr := d.plain(); !strings.Contains(scr, "金桥化工有限公司  [商务洽谈]") {
		t.Fatalf("a Chinese name does not open the lead:\n%s", scr)
	}
	d.send(ctrl('k'))
	d.keys("text:today", "enter") // English action names work in Chinese too
	if scr := d.plain(); !strings.Contains(scr, "今日待办") {
		t.Fatalf("an English action name in Chinese:\n%s", scr)
	}
}

// TestPaletteSearchesTheIndex finds leads by what only the search index
// holds: the city, in English and Chinese (the fuzzy match reads the
// company and contact alone).
func TestPaletteSearchesTheIndex(t *testing.T) {
	t.Parallel()
	d, _ := newDriver(t, "en", uitest.English, 100, 30)
	d.send(ctrl('k'))
	d.keys("text:NINGB", "enter")
	if scr := d.plain(); !strings.Contains(scr, "Harbor Logistics  [Qualified]") {
		t.Fatalf("a city's first letters do not find the lead:\n%s", scr)
	}
	z, _ := newDriver(t, "zh", uitest.Chinese, 80, 24)
	z.send(ctrl('k'))
	z.keys("text:无锡", "enter")
	if scr := z.plain(); !strings.Contains(scr, "金桥化工有限公司  [商务洽谈]") {
		t.Fatalf("a Chinese city does not find the lead:\n%s", scr)
	}
}
