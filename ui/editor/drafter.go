package editor

import (
	"sync/atomic"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/ui/common"
)

// Drafter keeps one draft in the drafts bucket while its text is typed:
// the note editor and every form save through one, so anything typed
// survives esc, a crash and kill -9 in the same way.
//
// A draft ends when its text is saved for good or thrown away. From then
// on no save may write it again: a pause tick or a save already running
// when the note was saved once wrote the draft back after the save had
// deleted it, and the note came back as unsaved. So every save and tick
// carries the draft's generation, ending the draft starts a new one, and
// a save checks inside its own write transaction that its generation is
// still the live one.
type Drafter struct {
	drafts Drafts
	draft  store.Draft

	rev, savedRev int // edits made, and the edit the last save holds
	saving        bool
	lastSave      time.Time // when the last save started (wall clock)
	savedAt       time.Time
	err           error

	// live is the draft's current generation, shared by every copy of the
	// model (Bubble Tea copies models by value) and read by saves in
	// flight; gen is the generation this copy saves in.
	live *atomic.Uint64
	gen  uint64
	// ended is set from End to Reopen: nothing is saved meanwhile.
	ended bool
	// clock reads the wall clock for the save cadence and pause is how long
	// typing must stop; tests set both.
	clock func() time.Time
	pause time.Duration
}

// SavedMsg reports a draft save.
type SavedMsg struct {
	DraftID string
	Rev     int
	At      time.Time
	// Skipped says the draft had ended before the save ran: nothing was
	// written.
	Skipped bool
	Err     error
}

// pauseMsg fires Pause after edit rev of generation gen.
type pauseMsg struct {
	draftID string
	gen     uint64
	rev     int
}

// Drafts is where a Drafter keeps its draft, each call one write.
type Drafts interface {
	// SaveDraft writes d unless live, asked inside the write, reports
	// that the draft has ended; saved says whether it wrote.
	SaveDraft(d *store.Draft, live func() bool) (saved bool, err error)
	DeleteDraft(id string) error
}

// StoreDrafts keeps drafts in the book's drafts bucket: the one
// implementation of Drafts (the UI's Book embeds it).
func StoreDrafts(data common.Data) Drafts { return storeDrafts{data} }

type storeDrafts struct{ data common.Data }

func (s storeDrafts) SaveDraft(d *store.Draft, live func() bool) (saved bool, err error) {
	err = s.data.Update(func(tx *store.Tx) error {
		// Inside the write transaction: a save for good that ended the
		// draft either ran before (and live sees it) or runs after and
		// deletes what this writes.
		if !live() {
			return nil
		}
		saved = true
		return tx.SaveDraft(d)
	})
	return saved, err
}

func (s storeDrafts) DeleteDraft(id string) error {
	return s.data.Update(func(tx *store.Tx) error { return tx.DeleteDraft(id) })
}

// NewDrafter returns the drafter of d, kept in drafts, making its id when
// empty so that every save overwrites the same draft. A draft that holds
// text was saved already.
func NewDrafter(drafts Drafts, d store.Draft) Drafter {
	if d.ID == "" {
		d.ID = newID()
	}
	dr := Drafter{drafts: drafts, draft: d, live: new(atomic.Uint64), clock: time.Now, pause: Pause}
	if !d.UpdatedAt.IsZero() {
		dr.savedAt = d.UpdatedAt
	}
	return dr
}

// ID returns the draft's id.
func (d Drafter) ID() string { return d.draft.ID }

// Draft returns the draft as last edited.
func (d Drafter) Draft() store.Draft { return d.draft }

// Dirty reports whether an edit is not in the drafts bucket yet.
func (d Drafter) Dirty() bool { return d.rev > d.savedRev }

// SavedAt is when the draft was last saved (zero: never).
func (d Drafter) SavedAt() time.Time { return d.savedAt }

// Err is the last save's error.
func (d Drafter) Err() error { return d.err }

// Edit takes the draft as it is now and returns the command that saves it:
// at once when the last save is a second old, else after a pause in
// typing. An edit after End (the save for good was cancelled, and typing
// goes on) makes the text a draft again.
func (d *Drafter) Edit(dr store.Draft) tea.Cmd {
	d.ended = false
	d.draft = dr
	d.rev++
	if !d.inFlight() && d.clock().Sub(d.lastSave) >= Every {
		return d.save()
	}
	return d.pauseTick()
}

// Set takes the draft as it is now as an edit, saved by the next save.
func (d *Drafter) Set(dr store.Draft) {
	d.draft = dr
	d.rev++
}

// Touch takes the draft as it is now without counting an edit (what it is
// for, learnt after the fact); the next save writes it.
func (d *Drafter) Touch(dr store.Draft) { d.draft = dr }

// SaveNow returns the command that writes the draft now (before leaving,
// or before $EDITOR).
func (d *Drafter) SaveNow() tea.Cmd { return d.save() }

// End ends the draft's generation: no tick or save started before can
// write it again. Call it as the text is saved for good, in the same
// Update, and do the save's write (which deletes the draft) after.
func (d *Drafter) End() {
	d.gen = d.live.Add(1)
	d.saving, d.ended = false, true
}

// Reopen lets saving go on after a save for good failed: the text stays a
// draft, saved from now on in the new generation.
func (d *Drafter) Reopen() tea.Cmd {
	d.ended = false
	d.rev++
	return d.save()
}

// Discard ends the draft and returns the command that deletes it.
func (d *Drafter) Discard() tea.Cmd {
	d.End()
	id, drafts := d.draft.ID, d.drafts
	return func() tea.Msg {
		if err := drafts.DeleteDraft(id); err != nil {
			return common.ErrMsg{Err: err}
		}
		return nil
	}
}

// Update takes the replies of saves and the pause ticks.
func (d Drafter) Update(msg tea.Msg) (Drafter, tea.Cmd) {
	switch msg := msg.(type) {
	case SavedMsg:
		if msg.DraftID != d.draft.ID {
			return d, nil
		}
		d.saving, d.err = false, msg.Err
		if msg.Err == nil && !msg.Skipped {
			d.savedRev, d.savedAt = max(d.savedRev, msg.Rev), msg.At
		}
		if d.Dirty() && !d.ended {
			return d, d.pauseTick()
		}
	case pauseMsg:
		if msg.draftID != d.draft.ID || msg.gen != d.gen || msg.rev != d.rev || !d.Dirty() || d.inFlight() {
			return d, nil
		}
		return d, d.save()
	}
	return d, nil
}

// inFlight reports whether a save is running; one whose reply never came
// stops counting after a while, so saving never stops for good.
func (d Drafter) inFlight() bool { return d.saving && d.clock().Sub(d.lastSave) < 5*time.Second }

func (d *Drafter) pauseTick() tea.Cmd {
	id, gen, rev := d.draft.ID, d.gen, d.rev
	return tea.Tick(d.pause, func(time.Time) tea.Msg { return pauseMsg{draftID: id, gen: gen, rev: rev} })
}

// save returns the command that writes the draft as it is now, unless its
// generation has ended by the time the write runs.
func (d *Drafter) save() tea.Cmd {
	if d.ended || d.live.Load() != d.gen {
		return nil
	}
	d.saving, d.lastSave = true, d.clock()
	dr, rev, drafts, live, gen := d.draft, d.rev, d.drafts, d.live, d.gen
	return func() tea.Msg {
		saved, err := drafts.SaveDraft(&dr, func() bool { return live.Load() == gen })
		return SavedMsg{DraftID: dr.ID, Rev: rev, At: dr.UpdatedAt, Skipped: err == nil && !saved, Err: err}
	}
}
