package welcome

import (
	"errors"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/fieldcrm/fieldcrm/ui/internal/uitest"
)

// send runs one message through Update and every command it returns, as
// the program would, and reports whether the screen asked to quit.
func send(t *testing.T, m Model, msg tea.Msg) (Model, bool) {
	t.Helper()
	next, cmd := m.Update(msg)
	m = next.(Model)
	quit := false
	for cmd != nil {
		out := cmd()
		if _, ok := out.(tea.QuitMsg); ok {
			quit = true
			break
		}
		if _, ok := out.(savedMsg); !ok {
			t.Fatalf("unexpected message %T", out)
		}
		next, cmd = m.Update(out)
		m = next.(Model)
	}
	return m, quit
}

// typeText types s one key at a time; the field's commands (the cursor's
// blink) are not run.
func typeText(t *testing.T, m Model, s string) Model {
	for _, r := range s {
		next, _ := m.Update(uitest.Key(string(r)))
		m = next.(Model)
	}
	return m
}

func TestWelcomeSavesTheTypedName(t *testing.T) {
	var saved []string
	m := New("zh", func(name string) error { saved = append(saved, name); return nil })
	m, _ = send(t, m, tea.WindowSizeMsg{Width: 80, Height: 24})
	view := m.View().Content
	for _, want := range []string{"请输入您的名字", "enter", "保存", "esc", "以后再说"} {
		if !strings.Contains(view, want) {
			t.Errorf("view lacks %q:\n%s", want, view)
		}
	}
	m = typeText(t, m, "王丽")
	m, quit := send(t, m, uitest.Key("enter"))
	if !quit || m.Name != "王丽" || len(saved) != 1 || saved[0] != "王丽" {
		t.Fatalf("after enter: quit %v, name %q, saved %q", quit, m.Name, saved)
	}
}

func TestWelcomeRefusesABadNameAndKeepsIt(t *testing.T) {
	calls := 0
	m := New("en", func(string) error { calls++; return nil })
	m = typeText(t, m, "wang li")
	m, quit := send(t, m, uitest.Key("enter"))
	if quit || calls != 0 {
		t.Fatalf("a name with a space: quit %v, saved %d times", quit, calls)
	}
	if v := m.View().Content; !strings.Contains(v, "may not contain spaces") || !strings.Contains(v, "wang li") {
		t.Errorf("view after a bad name:\n%s", v)
	}
	// Mending it saves.
	for range 3 {
		next, _ := m.Update(uitest.Key("backspace"))
		m = next.(Model)
	}
	m = typeText(t, m, ".li")
	if m, quit = send(t, m, uitest.Key("enter")); !quit || m.Name != "wang.li" || calls != 1 {
		t.Fatalf("mended name: quit %v, name %q, calls %d", quit, m.Name, calls)
	}
	// Nothing typed.
	m = New("en", func(string) error { calls++; return nil })
	if m, quit = send(t, m, uitest.Key("enter")); quit || !strings.Contains(m.View().Content, "Type a name") {
		t.Errorf("empty name: quit %v\n%s", quit, m.View().Content)
	}
}

func TestWelcomeShowsASaveErrorAndEscSkips(t *testing.T) {
	m := New("en", func(string) error { return errors.New("config.toml: permission denied") })
	m = typeText(t, m, "ann")
	m, quit := send(t, m, uitest.Key("enter"))
	if quit || m.Name != "" || !strings.Contains(m.View().Content, "Not saved: config.toml: permission denied") {
		t.Fatalf("save error: quit %v name %q\n%s", quit, m.Name, m.View().Content)
	}
	m, quit = send(t, m, uitest.Key("esc"))
	if !quit || m.Name != "" || m.Quit {
		t.Errorf("esc: quit %v name %q Quit %v; want to go on without a name", quit, m.Name, m.Quit)
	}
	m, quit = send(t, New("en", nil), tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl})
	if !quit || !m.Quit {
		t.Errorf("ctrl+c: quit %v Quit %v", quit, m.Quit)
	}
}
