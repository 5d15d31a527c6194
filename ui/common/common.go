// Package common holds what every screen of the terminal UI shares: the
// context (size, styles, language, clock, data), the messages screens send
// to the root, and the width-correct text helpers.
package common

import (
	"time"

	"github.com/fieldcrm/fieldcrm/i18n"
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/ui/styles"
)

// Data is the book's transactions (*store.Store). The root's ui.Book
// implements the screens' narrow interfaces over it; no screen takes it
// from Common. Called only inside tea.Cmds, never in Update or View.
type Data interface {
	View(fn func(*store.Tx) error) error
	Update(fn func(*store.Tx) error) error
}

// Common is the context the root passes to every screen. It holds no
// mutable state of its own; the root sets Width and Height on resize.
type Common struct {
	Width, Height int
	Styles        *styles.Styles
	Cat           i18n.Catalog
	Rules         model.Rules
	// Data is what the root builds its ui.Book on; every screen reads
	// through its own Book.
	Data Data
	// Now reads the clock; tests inject a fixed one.
	Now func() time.Time
	// DBPath and User are shown in the status line.
	DBPath, User string
	// NoEditor takes away the external editor (ctrl+e): over SSH it
	// would run on the server, with the session's keys.
	NoEditor bool
}

// T is a shortcut for the catalog's text of key.
func (c *Common) T(key string) string { return c.Cat.T(key) }

// Tf is a shortcut for the catalog's formatted text of key.
func (c *Common) Tf(key string, args ...any) string { return c.Cat.Tf(key, args...) }

// Lang returns the UI language.
func (c *Common) Lang() string { return c.Cat.Lang }

// Today returns the user's calendar day.
func (c *Common) Today() model.Date { return model.Today(c.Now(), c.loc()) }

func (c *Common) loc() *time.Location {
	if c.Rules.Location != nil {
		return c.Rules.Location
	}
	return time.Local
}

// StageLabel returns the label of a stage key in the UI language.
func (c *Common) StageLabel(key string) string {
	if s, ok := c.Rules.Pipeline.Stage(key); ok {
		return s.Label(c.Lang())
	}
	return key
}

// ChannelLabel returns the label of a channel (source, lost reason,
// activity kind) in the UI language.
func (c *Common) ChannelLabel(list []model.Channel, key string) string {
	return model.LabelIn(list, key, c.Lang())
}
