package lead

import (
	"charm.land/bubbles/v2/key"
	"github.com/fieldcrm/fieldcrm/ui/common"
)

// KeyMap is the lead screen's keys.
type KeyMap struct {
	Up, Down, PageUp, PageDown, Top, Bottom key.Binding
	Edit, Contact, FollowUp, Visit          key.Binding
	StartVisit                              key.Binding
	Won, Lost                               key.Binding
	// WonLost shows Won and Lost as one entry of the help line.
	WonLost                             key.Binding
	Complaint, Delete, Back, Help, Quit key.Binding
	// Approval asks for approval of the deal; Service adds a service
	// order and ServiceVisit records work on one.
	Approval, Service, ServiceVisit key.Binding
}

// NewKeyMap returns the lead screen's keys with help in the UI language and
// the user's remaps applied.
func NewKeyMap(t func(string) string, remap map[string][]string) KeyMap {
	b := common.Binder(t, remap)
	km := KeyMap{
		Up:           b("up", "key.scroll_up", "k", "up"),
		Down:         b("down", "key.scroll_down", "j", "down"),
		PageUp:       b("page_up", "key.page_up", "pgup", "b"),
		PageDown:     b("page_down", "key.page_down", "pgdown", "space"),
		Top:          b("first", "key.top", "g", "home"),
		Bottom:       b("last", "key.bottom", "G", "end"),
		Edit:         b("edit", "key.edit", "e"),
		Contact:      b("contact", "key.contact", "c"),
		FollowUp:     b("follow_up", "key.follow_up", "f"),
		Visit:        b("visit", "key.visit", "v"),
		StartVisit:   b("start_visit", "key.start_visit", "V"),
		Complaint:    b("complaint", "key.complaint", "x"),
		Won:          b("mark_won", "key.mark_won", "W"),
		Lost:         b("mark_lost", "key.mark_lost", "X"),
		Delete:       b("delete", "key.delete_lead", "D"),
		Approval:     b("request_approval", "key.request_approval", "a"),
		Service:      b("add_service", "key.add_service", "s"),
		ServiceVisit: b("service_visit", "key.service_visit", "S"),
		Back:         b("back", "key.back", "esc"),
		Help:         b("help", "key.help", "?"),
		Quit:         b("quit", "key.quit", "q", "ctrl+c"),
	}
	km.WonLost = key.NewBinding(key.WithKeys(append(km.Won.Keys(), km.Lost.Keys()...)...),
		key.WithHelp(km.Won.Help().Key+"/"+km.Lost.Help().Key, t("key.won_lost")))
	return km
}

// ShortHelp is the help line.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Back, k.Edit, k.Contact, k.FollowUp, k.Visit, k.StartVisit, k.WonLost, k.Complaint, k.Help}
}

// FullHelp is the help shown by "?".
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom},
		{k.Edit, k.Contact, k.FollowUp, k.Visit, k.StartVisit, k.Complaint},
		{k.Won, k.Lost, k.Approval, k.Service, k.ServiceVisit, k.Delete},
		{k.Back, k.Help, k.Quit},
	}
}
