package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/fieldcrm/fieldcrm/store"
	"github.com/spf13/cobra"
)

func init() {
	commandGroups = append(commandGroups, func(root *cobra.Command, a *app) {
		drafts := &cobra.Command{
			Use:   "drafts",
			Short: "List or discard the words typed in the UI and not saved yet",
			Long: `Everything typed in the UI (a quick note, visit notes, any form) is kept
as a draft while it is typed, so a crash or a killed terminal loses
nothing; the UI offers the drafts back at its next start. This lists the
same drafts, and discards one you no longer want. Drafts stay on this
laptop: they never sync.`,
		}
		drafts.AddCommand(a.draftsListCmd(), a.draftsDiscardCmd())
		root.AddCommand(drafts)
	})
}

// draftView is a draft as drafts list --json prints it.
type draftView struct {
	ID        string            `json:"id"`
	Kind      string            `json:"kind"`
	Form      string            `json:"form,omitempty"`
	LeadID    string            `json:"lead_id,omitempty"`
	Company   string            `json:"company,omitempty"`
	Text      string            `json:"text"`
	Fields    map[string]string `json:"fields,omitempty"`
	UpdatedAt time.Time         `json:"updated_at"`
}

func (a *app) draftsListCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the drafts that hold text, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			out := []draftView{}
			if err := a.view(func(tx *store.Tx) error {
				ds, err := tx.Drafts()
				for _, d := range ds {
					if strings.TrimSpace(d.Text) == "" {
						continue
					}
					if card, err := tx.Card(d.LeadID); d.LeadID != "" && err == nil {
						d.Company = card.Company
					}
					out = append(out, draftView{ID: d.ID, Kind: d.Kind, Form: d.Form, LeadID: d.LeadID,
						Company: d.Company, Text: d.Text, Fields: d.Fields, UpdatedAt: d.UpdatedAt})
				}
				return err
			}); err != nil {
				return err
			}
			if asJSON {
				return printJSON(a.out, out)
			}
			if len(out) == 0 {
				fmt.Fprintln(a.out, "no drafts")
				return nil
			}
			t := &table{header: []string{"ID", "SAVED", "FOR", "COMPANY", "TEXT"}, max: []int{0, 0, 0, 30, noCap}}
			for _, d := range out {
				what := d.Kind
				if d.Form != "" {
					what = d.Form
				}
				first, _, _ := strings.Cut(strings.TrimSpace(d.Text), "\n")
				t.add(store.ShortID(d.ID), d.UpdatedAt.Local().Format("2006-01-02 15:04"), what, d.Company, first)
			}
			t.write(a.out)
			fmt.Fprintln(a.out, "the UI offers them back at its next start; 'fieldcrm drafts discard ID' throws one away")
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func (a *app) draftsDiscardCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "discard ID",
		Short: "Throw a draft away (its id, or the end of it, from drafts list)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ref := strings.ToLower(strings.TrimSpace(args[0]))
			var gone store.Draft
			err := a.update(func(tx *store.Tx) error {
				ds, err := tx.Drafts()
				if err != nil {
					return err
				}
				var found []store.Draft
				for _, d := range ds {
					if d.ID == ref || (len(ref) >= 4 && strings.HasSuffix(strings.ToLower(d.ID), ref)) ||
						strings.EqualFold(store.ShortID(d.ID), ref) {
						found = append(found, d)
					}
				}
				switch len(found) {
				case 0:
					return fmt.Errorf("no draft %q ('fieldcrm drafts list' shows their ids)", args[0])
				case 1:
					gone = found[0]
					return tx.DeleteDraft(gone.ID)
				}
				return fmt.Errorf("%q is the end of %d drafts' ids; give more of it", args[0], len(found))
			})
			if err != nil {
				return err
			}
			first, _, _ := strings.Cut(strings.TrimSpace(gone.Text), "\n")
			printf(a.out, "discarded draft %s: %s\n", store.ShortID(gone.ID), first)
			return nil
		},
	}
}
