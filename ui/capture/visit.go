package capture

import (
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/ui/common"
	"github.com/fieldcrm/fieldcrm/ui/editor"
	"github.com/fieldcrm/fieldcrm/ui/forms"
)

// VisitDraftKind marks the drafts of visit notes.
const VisitDraftKind = "visit"

// Template returns the note template for a stage in a language.
type Template func(stage, lang string) string

// Visit is visit mode: an open visit and the notes being typed.
type Visit struct {
	c    *common.Common
	keys VisitKeys
	act  model.Activity
	// company names the lead in the title.
	company       string
	ed            editor.Model
	width, height int
}

// VisitKeys is the keys of visit mode.
type VisitKeys struct{ End, Hide key.Binding }

// ShortHelp is the help line.
func (k VisitKeys) ShortHelp() []key.Binding { return []key.Binding{k.End, k.Hide} }

// FullHelp is the help shown by "?".
func (k VisitKeys) FullHelp() [][]key.Binding { return [][]key.Binding{k.ShortHelp()} }

// VisitOpenedMsg carries a visit checked in, or one found open at start,
// with the draft of its notes.
type VisitOpenedMsg struct {
	Act     model.Activity
	Company string
	Draft   store.Draft
	Resumed bool
	Err     error
}

// VisitHiddenMsg says visit mode was hidden; the visit stays open.
type VisitHiddenMsg struct{}

// StartVisit returns the command that checks in at a lead: the visit
// starts now, and its notes begin with the template of the lead's stage,
// saved as a draft at once.
func StartVisit(c *common.Common, leadID string, tmpl Template) tea.Cmd {
	return func() tea.Msg {
		var msg VisitOpenedMsg
		msg.Err = c.Data.Update(func(tx *store.Tx) error {
			l, err := tx.Lead(leadID)
			if err != nil {
				return err
			}
			if msg.Act, err = tx.StartVisit(leadID, l.MainContact().Name); err != nil {
				return err
			}
			msg.Company = l.Company
			msg.Draft = store.Draft{Kind: VisitDraftKind, LeadID: leadID, ActivityID: msg.Act.ID, Company: l.Company}
			if tmpl != nil {
				msg.Draft.Text = tmpl(l.Stage, c.Lang())
			}
			return tx.SaveDraft(&msg.Draft)
		})
		return msg
	}
}

// ResumeVisit returns the command that finds the newest visit left open
// by this user (a closed lid, a crash) with everything typed into it.
func ResumeVisit(c *common.Common) tea.Cmd {
	return func() tea.Msg {
		var msg VisitOpenedMsg
		found := false
		msg.Err = c.Data.View(func(tx *store.Tx) error {
			// The open-visit index holds only visits not yet checked out.
			open, err := tx.OpenVisits()
			if err != nil {
				return err
			}
			user := tx.User()
			for _, a := range open {
				if a.Open() && a.Author == user && (!found || a.StartedAt.After(msg.Act.StartedAt)) {
					msg.Act, found = a, true
				}
			}
			if !found {
				return nil
			}
			card, _ := tx.Card(msg.Act.LeadID)
			msg.Company = card.Company
			msg.Draft = store.Draft{Kind: VisitDraftKind, LeadID: msg.Act.LeadID, ActivityID: msg.Act.ID, Company: card.Company, Text: msg.Act.Notes()}
			drafts, err := tx.Drafts()
			for _, d := range drafts { // newest first
				if d.ActivityID == msg.Act.ID && d.Kind == VisitDraftKind {
					msg.Draft = d
					break
				}
			}
			return err
		})
		if !found && msg.Err == nil {
			return nil
		}
		msg.Resumed = true
		return msg
	}
}

// NewVisit returns visit mode over an opened visit. A visit just checked
// in starts with the cursor after the template's first label.
func NewVisit(c *common.Common, msg VisitOpenedMsg) Visit {
	t := c.T
	ed := editor.New(c, msg.Draft)
	if !msg.Resumed {
		ed.AtFirstLine()
	}
	return Visit{
		c: c, act: msg.Act, company: msg.Company, ed: ed,
		keys: VisitKeys{
			End:  key.NewBinding(key.WithKeys("ctrl+s"), key.WithHelp("ctrl+s", t("key.end_visit"))),
			Hide: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", t("key.minimize"))),
		},
	}
}

// ActivityID returns the open visit's id.
func (v Visit) ActivityID() string { return v.act.ID }

// Text returns the notes typed.
func (v Visit) Text() string { return v.ed.Value() }

// KeyMap returns the keys for the help line.
func (v Visit) KeyMap() VisitKeys { return v.keys }

// SetSize sets the pane's area.
func (v *Visit) SetSize(w, h int) {
	v.width, v.height = w, h
	v.ed.SetSize(w, max(3, h-2))
}

// Update handles typing, draft saves, and the end of the visit.
func (v Visit) Update(msg tea.Msg) (Visit, tea.Cmd) {
	if k, ok := msg.(tea.KeyPressMsg); ok {
		switch {
		case key.Matches(k, v.keys.End):
			end := forms.VisitEnd{ActivityID: v.act.ID, LeadID: v.act.LeadID, Company: v.company, Notes: v.ed.Value(), DraftID: v.ed.ID()}
			// The notes are saved now, so no tick is left to write them
			// again after checking out deleted their draft.
			return v, tea.Batch(v.ed.SaveNow(), forms.Open(forms.EndVisit(v.c, end)))
		case key.Matches(k, v.keys.Hide):
			return v, tea.Batch(v.ed.SaveNow(), common.Emit(VisitHiddenMsg{}))
		}
	}
	var cmd tea.Cmd
	v.ed, cmd = v.ed.Update(msg)
	return v, cmd
}

// View draws the title (lead, check-in time, minutes so far) and the
// notes.
func (v Visit) View() string {
	st := &v.c.Styles.List
	mins := int(v.c.Now().Sub(v.act.StartedAt) / time.Minute)
	title := st.Title.Render(v.c.Tf("visit.title", common.OneLine(v.company))) + "  " +
		st.Faint.Render(v.c.Tf("visit.since", v.act.StartedAt.In(v.c.Location()).Format("15:04"), max(0, mins))+"  "+draftState(v.c, v.ed))
	return common.Cut(title, v.width) + "\n\n" + v.ed.View()
}
