package sshd

import (
	tea "charm.land/bubbletea/v2"
	"charm.land/ssh"
	"github.com/charmbracelet/colorprofile"
	"github.com/fieldcrm/fieldcrm/i18n"
	"github.com/fieldcrm/fieldcrm/remote"
	"github.com/fieldcrm/fieldcrm/server"
	"github.com/fieldcrm/fieldcrm/ui"
	"github.com/fieldcrm/fieldcrm/ui/syncstatus"
)

// runUI runs the terminal UI for a session on its user's replica until
// the user quits or the server ends the session, then says why it ended;
// it returns the session's exit status: 1 when the server ended it.
//
// The program is wish's Bubble Tea middleware's, unrolled to read the
// input through the session's idle clock: the session's input and
// output (an emulated PTY: no device per session, the client's own
// terminal is in raw mode), its window size and resizes, its TERM and
// environment, and a colour profile from them.
func (f *front) runUI(s ssh.Session, sess *session, rep *replica, view replicaView, u server.User, lang string) int {
	pty, windows, _ := s.Pty()
	env := append(s.Environ(), "TERM="+pty.Term)
	own := ui.NewOwnWrites(rep.st.Path())
	feed, statuses := syncstatus.Feed(own.Mark)
	hide := f.private(rep, lang) // private.go
	unsubscribe := rep.subscribe(func(st remote.Status) { st.Err = hide.err(st.Err); feed(st) })
	defer unsubscribe()
	// The book's path only to watch the file: the status line names the
	// server instead, and the note pane has no external editor, which
	// would run on the server with the session's keys.
	m := ui.New(ui.Options{
		Data: privateData{view.st, hide}, Rules: view.st.Rules(), Lang: lang, User: u.Name,
		DBPath: rep.st.Path(), Place: i18n.Tf(lang, "ssh.place", f.cfg.Name), NoEditor: true,
		Now: f.cfg.Now, Dark: true, Template: rep.settings.Template, Plan: rep.settings.Plan,
		Sync: syncstatus.Config{Loop: rep.loop, Statuses: statuses}, Own: own,
	})
	p := tea.NewProgram(m,
		tea.WithContext(sess.ctx),
		tea.WithInput(sess.input()),
		tea.WithOutput(s),
		tea.WithEnvironment(env),
		tea.WithColorProfile(colorprofile.Env(env)),
		tea.WithWindowSize(pty.Window.Width, pty.Window.Height),
		tea.WithoutSignalHandler(),
		tea.WithFilter(func(_ tea.Model, msg tea.Msg) tea.Msg {
			if _, ok := msg.(tea.SuspendMsg); ok { // ctrl+z would stop the server's process
				return tea.ResumeMsg{}
			}
			return msg
		}),
	)
	go func() {
		for {
			select {
			case <-sess.ctx.Done():
				return
			case w, ok := <-windows:
				if !ok {
					return
				}
				p.Send(tea.WindowSizeMsg{Width: w.Width, Height: w.Height})
			}
		}
	}()
	if _, err := p.Run(); err != nil && sess.ended() == "" && sess.ctx.Err() == nil {
		f.log.Error("ssh: terminal UI", "user", u.Name, "err", err)
	}
	p.Kill()
	if why := sess.ended(); why != "" {
		say(s, "\r\n"+tr(lang, "ssh.ended."+why))
		return 1
	}
	return 0
}
