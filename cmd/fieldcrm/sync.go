package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"syscall"
	"time"

	"github.com/fieldcrm/fieldcrm/i18n"
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/remote"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/spf13/cobra"
)

func init() {
	commandGroups = append(commandGroups, func(root *cobra.Command, a *app) {
		root.AddCommand(a.syncCmd())
	})
}

func (a *app) syncClient() (*remote.Client, error) {
	if a.cfg.Server == "" || a.cfg.Token == "" {
		return nil, errors.New("this device is not connected to a server; run 'fieldcrm login --server URL --user NAME --token TOKEN'")
	}
	if a.cfg.User == "" {
		return nil, fmt.Errorf("the config file %s names a server but no user; run 'fieldcrm login --server URL --user NAME --token TOKEN' again", a.cfg.Path)
	}
	c, err := remote.NewClient(a.cfg.Server, a.cfg.Token)
	if err != nil {
		return nil, err
	}
	// Sync refuses a book bound to another account than this one.
	c.User = a.cfg.User
	return c, nil
}

func (a *app) syncCmd() *cobra.Command {
	var status, rejected, asJSON bool
	var dismiss string
	cmd := &cobra.Command{
		Use:   "sync",
		Short: "Push your changes to the server and pull your team's",
		Long: `Push the changes waiting on this device, then pull until up to date, and
say what happened. Nothing is lost if the network drops midway: run it
again. Changes the server refused stay in a list with the reason
('sync --rejected') until you dismiss them. A change from the server that
this device cannot apply is set aside with the reason ('sync --status')
and the rest of the sync goes on.`,
		Example: `  fieldcrm sync
  fieldcrm sync --status
  fieldcrm sync --rejected
  fieldcrm sync --dismiss OPID`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			switch {
			case status:
				return a.syncStatus(asJSON)
			case rejected:
				return a.syncRejected(asJSON)
			case dismiss != "":
				return a.syncDismiss(dismiss)
			}
			c, err := a.syncClient()
			if err != nil {
				return err
			}
			st, err := a.store()
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
			defer stop()
			show, hide := a.syncProgress()
			rep, err := remote.SyncWith(ctx, st, c, remote.Options{Progress: show, LessGC: true})
			hide()
			a.compactAfterSync(st, err) // compact.go: once a day, when the outbox is empty
			if asJSON {
				_ = printJSON(a.out, rep)
			} else {
				fmt.Fprintf(a.out, "pushed %d change(s)", rep.Pushed)
				if rep.Duplicates > 0 {
					fmt.Fprintf(a.out, " (%d already on the server)", rep.Duplicates)
				}
				fmt.Fprintf(a.out, ", pulled %d", rep.Pulled)
				if rep.Removed > 0 {
					fmt.Fprintf(a.out, ", removed %d no longer yours", rep.Removed)
				}
				fmt.Fprintln(a.out)
				if rep.Rejected > 0 {
					fmt.Fprintf(a.out, "the server refused %d change(s); see 'fieldcrm sync --rejected'\n", rep.Rejected)
				}
				if rep.SetAside > 0 {
					fmt.Fprintf(a.out, "set aside %d change(s) from the server that this device cannot apply; see 'fieldcrm sync --status'\n", rep.SetAside)
				}
			}
			if err != nil {
				return fmt.Errorf("sync with %s: %w", a.cfg.Server, err)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.BoolVar(&status, "status", false, "show online/offline, changes waiting, last sync, refused changes and changes set aside")
	f.BoolVar(&rejected, "rejected", false, "list the changes the server refused, with the reasons")
	f.StringVar(&dismiss, "dismiss", "", "remove the refused change with this op id, or the set-aside changes with this op id or seq, from their list")
	f.BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// syncStatusView is what `sync --status` shows.
type syncStatusView struct {
	Server string `json:"server"`
	// Book is the account the book is bound to (empty before its first
	// login or sync).
	Book      store.Binding `json:"book,omitzero"`
	Online    bool          `json:"online"`
	Waiting   int           `json:"waiting"`
	LastSync  time.Time     `json:"last_sync,omitzero"`
	Rejected  int           `json:"rejected"`
	LastError string        `json:"last_error,omitempty"`
	Cursor    uint64        `json:"cursor"`
	// SetAside counts the changes from the server this device could not
	// apply; SetAsideChanges lists them, oldest first.
	SetAside        int            `json:"set_aside"`
	SetAsideChanges []setAsideView `json:"set_aside_changes"`
}

// setAsideView is one change set aside, without the change itself.
type setAsideView struct {
	Seq    uint64          `json:"seq"`
	Kind   string          `json:"kind"`
	Entity model.EntityRef `json:"entity"`
	OpID   string          `json:"op_id,omitempty"`
	Reason string          `json:"reason"`
	At     time.Time       `json:"at"`
}

// setAsideShown is how many set-aside changes the text of `sync --status`
// lists; --json lists them all.
const setAsideShown = 20

func (a *app) syncStatus(asJSON bool) error {
	v := syncStatusView{SetAsideChanges: []setAsideView{}}
	if err := a.view(func(tx *store.Tx) error {
		s := tx.SyncState()
		v.Book = tx.Binding()
		v.Waiting, v.Rejected, v.LastSync, v.LastError, v.Cursor = tx.OutboxLen(), tx.RejectedLen(), s.LastSync, s.LastError, s.Cursor
		aside, err := tx.SetAsides()
		for _, sa := range aside {
			v.SetAsideChanges = append(v.SetAsideChanges, setAsideView{Seq: sa.Seq, Kind: sa.Kind, Entity: sa.Entity, OpID: sa.OpID, Reason: sa.Reason, At: sa.At})
		}
		v.SetAside = len(v.SetAsideChanges)
		return err
	}); err != nil {
		return err
	}
	v.Server = a.cfg.Server
	if c, err := a.syncClient(); err == nil {
		if b := v.Book; !b.IsZero() && (b.Server != c.Server() || b.User != c.User) {
			// The problem that stops every sync of this book, first.
			v.LastError = (&remote.AccountError{Book: b, Server: c.Server(), User: c.User}).Error()
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, err := c.WhoAmI(ctx)
		cancel()
		v.Online = err == nil
		if err != nil && v.LastError == "" {
			v.LastError = err.Error()
		}
	}
	if asJSON {
		return printJSON(a.out, v)
	}
	// The server's words (its address, its reasons, its ids) reach the
	// terminal only with their control characters made visible.
	server := model.Printable(v.Server)
	switch {
	case v.Server == "":
		fmt.Fprintln(a.out, "server:    none (run 'fieldcrm login')")
	case v.Online:
		fmt.Fprintf(a.out, "server:    %s, online\n", server)
	default:
		fmt.Fprintf(a.out, "server:    %s, offline\n", server)
	}
	if !v.Book.IsZero() {
		fmt.Fprintf(a.out, "book of:   %s on %s\n", model.Printable(v.Book.User), model.Printable(v.Book.Server))
	}
	fmt.Fprintf(a.out, "waiting:   %d change(s) to push\n", v.Waiting)
	if v.LastSync.IsZero() {
		fmt.Fprintln(a.out, "last sync: never")
	} else {
		fmt.Fprintf(a.out, "last sync: %s\n", v.LastSync.Local().Format("2006-01-02 15:04:05"))
	}
	fmt.Fprintf(a.out, "refused:   %d change(s)", v.Rejected)
	if v.Rejected > 0 {
		fmt.Fprint(a.out, " (see 'fieldcrm sync --rejected')")
	}
	fmt.Fprintln(a.out)
	fmt.Fprintf(a.out, "set aside: %d change(s) from the server this device could not apply\n", v.SetAside)
	if v.LastError != "" {
		fmt.Fprintf(a.out, "problem:   %s\n", model.Printable(v.LastError))
	}
	if v.SetAside > 0 {
		fmt.Fprintln(a.out)
		t := &table{header: []string{"SEQ", "ENTITY", "OP", "REASON"}, max: []int{0, 40, 0, noCap}}
		for i, sa := range v.SetAsideChanges {
			if i == setAsideShown {
				break
			}
			seq, entity := strconv.FormatUint(sa.Seq, 10), sa.Entity.Type+" "+sa.Entity.ID
			if sa.Seq == 0 {
				seq = "push" // in the answer to a push
			}
			if sa.Entity.Type == "" {
				entity = "(" + sa.Kind + ")"
			}
			op := sa.OpID
			if op == "" {
				op = "-"
			}
			t.add(seq, model.Printable(entity), model.Printable(op), model.Printable(sa.Reason))
		}
		t.write(a.out)
		if n := v.SetAside - setAsideShown; n > 0 {
			fmt.Fprintf(a.out, "... and %d more ('fieldcrm sync --status --json' lists them all)\n", n)
		}
		fmt.Fprintln(a.out, "the server keeps each of these; dismiss one with 'fieldcrm sync --dismiss OP' or 'fieldcrm sync --dismiss SEQ'")
	}
	return nil
}

// syncDismiss removes the refused change with op id ref, or else the
// set-aside changes whose op id or seq is ref.
func (a *app) syncDismiss(ref string) error {
	var aside int
	err := a.update(func(tx *store.Tx) error {
		err := tx.DismissRejected(ref)
		if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		list, lerr := tx.SetAsides()
		if lerr != nil {
			return lerr
		}
		for _, sa := range list {
			if sa.OpID == ref || strconv.FormatUint(sa.Seq, 10) == ref {
				if err := tx.DismissSetAside(sa.ID); err != nil {
					return err
				}
				aside++
			}
		}
		if aside == 0 {
			return fmt.Errorf("no refused change has op id %q, and no set-aside change has it as op id or seq: %w", ref, store.ErrNotFound)
		}
		return nil
	})
	switch {
	case err != nil:
		return err
	case aside > 0:
		fmt.Fprintf(a.out, "dismissed %d set-aside change(s) %s\n", aside, ref)
	default:
		fmt.Fprintf(a.out, "dismissed rejected change %s\n", ref)
	}
	return nil
}

func (a *app) syncRejected(asJSON bool) error {
	var list []store.RejectedOp
	if err := a.view(func(tx *store.Tx) error {
		var err error
		list, err = tx.Rejected()
		return err
	}); err != nil {
		return err
	}
	if asJSON {
		if list == nil {
			list = []store.RejectedOp{}
		}
		return printJSON(a.out, list)
	}
	if len(list) == 0 {
		fmt.Fprintln(a.out, "no refused changes")
		return nil
	}
	t := &table{header: []string{"OP", "WHEN", "CHANGE", "REASON"}, max: []int{0, 0, 40, noCap}}
	for _, r := range list {
		change := r.Op.Kind + " " + r.Op.Entity.Type + " " + store.ShortID(r.Op.Entity.ID)
		for _, f := range slices.Sorted(maps.Keys(r.Op.Fields)) {
			change += " " + f
		}
		if r.Op.Field != "" {
			change += " " + r.Op.Field
		}
		t.add(model.Printable(r.Op.ID), r.At.Local().Format("2006-01-02 15:04"), model.Printable(change), model.Printable(r.Reason))
	}
	t.write(a.out)
	fmt.Fprintln(a.out, "each change is kept in full; dismiss one with 'fieldcrm sync --dismiss OP' once dealt with")
	return nil
}

// syncProgress shows how far a sync that takes more than a moment got, on
// the error stream when it is a terminal (progress): a bar of the ops
// answered while pushing, then a count of the changes pulled; hide
// takes it away.
func (a *app) syncProgress() (show func(remote.Report, int), hide func()) {
	lang := a.language()
	return syncProgressOn(a.progress(i18n.T(lang, "sync.pushing")), a.progress(i18n.T(lang, "sync.pulling")))
}

func syncProgressOn(push, pull *progress) (show func(remote.Report, int), hide func()) {
	pushing := true
	show = func(done remote.Report, waiting int) {
		answered := done.Pushed + done.Duplicates + done.Rejected
		if pushing && answered < waiting {
			push.update(answered, waiting)
			return
		}
		if pushing {
			push.finish()
			pushing = false
		}
		pull.count(done.Pulled)
	}
	return show, func() { push.finish(); pull.finish() }
}
