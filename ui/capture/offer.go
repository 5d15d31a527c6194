package capture

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/ui/common"
	"github.com/fieldcrm/fieldcrm/ui/forms"
)

// Offer lists the quick notes left unsaved last time (the program was
// killed, the lid closed) and offers them back.
type Offer struct {
	c      *common.Common
	book   Book
	keys   OfferKeys
	drafts []store.Draft
	sel    int
	width  int
}

// OfferKeys is the keys of the offer.
type OfferKeys struct{ Up, Down, Resume, Discard, Later key.Binding }

// ShortHelp is the help line.
func (k OfferKeys) ShortHelp() []key.Binding { return []key.Binding{k.Resume, k.Discard, k.Later} }

// FullHelp is the help shown by "?".
func (k OfferKeys) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Up, k.Down}, {k.Resume, k.Discard, k.Later}}
}

// DraftsMsg carries the drafts of quick notes found at start.
type DraftsMsg struct {
	Drafts []store.Draft
	Err    error
}

// ResumeMsg asks the root to open quick capture over a draft.
type ResumeMsg struct{ Draft store.Draft }

// OfferDoneMsg says the offer closed.
type OfferDoneMsg struct{}

// LoadDrafts returns the command that reads the drafts of the kinds
// given (quick notes, edits of notes) and of every form that hold text,
// each naming its lead as the lead is called now (a draft started on a
// lead screen may not have known it). Nothing found sends nothing.
func LoadDrafts(book Book, kinds ...string) tea.Cmd {
	kinds = append(kinds, forms.DraftKind)
	return func() tea.Msg {
		out, err := book.Drafts(kinds...)
		if err == nil && len(out) == 0 {
			return nil
		}
		return DraftsMsg{Drafts: out, Err: err}
	}
}

// NewOffer returns the offer of drafts; a draft discarded is deleted from
// book.
func NewOffer(c *common.Common, book Book, drafts []store.Draft) Offer {
	b := func(help string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(keys[0], c.T(help)))
	}
	return Offer{c: c, book: book, drafts: drafts, keys: OfferKeys{
		Up: b("key.up", "up", "k"), Down: b("key.down", "down", "j"),
		Resume: b("key.resume", "enter"), Discard: b("key.discard", "x"), Later: b("key.later", "esc"),
	}}
}

// KeyMap returns the keys for the help line.
func (o Offer) KeyMap() OfferKeys { return o.keys }

// SetWidth sets the offer's width.
func (o *Offer) SetWidth(w int) { o.width = w }

// Update handles the offer's keys.
func (o Offer) Update(msg tea.Msg) (Offer, tea.Cmd) {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok || len(o.drafts) == 0 {
		return o, nil
	}
	switch {
	case key.Matches(k, o.keys.Up):
		o.sel = max(0, o.sel-1)
	case key.Matches(k, o.keys.Down):
		o.sel = min(len(o.drafts)-1, o.sel+1)
	case key.Matches(k, o.keys.Resume):
		d := o.drafts[o.sel]
		if d.Kind == forms.DraftKind {
			return o, tea.Sequence(common.Emit(OfferDoneMsg{}), forms.Resume(o.c, d))
		}
		return o, common.Emit(ResumeMsg{Draft: d})
	case key.Matches(k, o.keys.Later):
		return o, common.Emit(OfferDoneMsg{})
	case key.Matches(k, o.keys.Discard):
		id, bk := o.drafts[o.sel].ID, o.book
		o.drafts = append(o.drafts[:o.sel:o.sel], o.drafts[o.sel+1:]...)
		o.sel = max(0, min(o.sel, len(o.drafts)-1))
		del := func() tea.Msg {
			if err := bk.DeleteDraft(id); err != nil {
				return common.ErrMsg{Err: err}
			}
			return nil
		}
		if len(o.drafts) == 0 {
			return o, tea.Batch(del, common.Emit(OfferDoneMsg{}))
		}
		return o, del
	}
	return o, nil
}

// View lists the drafts: when, for whom, and the first line.
func (o Offer) View() string {
	st := &o.c.Styles.List
	out := []string{st.Title.Render(common.Cut(o.c.T("capture.drafts_title"), o.width)), ""}
	for i, d := range o.drafts {
		first, _, _ := strings.Cut(strings.TrimSpace(d.Text), "\n")
		who := d.Company
		if who == "" {
			who = "—"
		}
		line := o.c.Tf("capture.draft_line", d.UpdatedAt.In(o.c.Location()).Format("01-02 15:04"), o.kind(d)+common.OneLine(who), common.OneLine(first))
		if i == o.sel {
			line = st.Selected.Render("› " + line)
		} else {
			line = "  " + line
		}
		out = append(out, common.Cut(line, o.width))
	}
	return strings.Join(out, "\n")
}

// kind says which form a form's draft was typed into; the notes need no
// word, they were always the whole of the offer.
func (o Offer) kind(d store.Draft) string {
	if d.Kind == forms.DraftKind {
		return o.c.T("draft.form."+d.Form) + " · "
	}
	return ""
}
