package main

import (
	"strings"
	"time"

	"github.com/fieldcrm/fieldcrm/i18n"
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/spf13/cobra"
)

func init() {
	commandGroups = append(commandGroups, func(root *cobra.Command, a *app) {
		root.AddCommand(a.searchCmd())
	})
}

// searchRow is one line of `search`, as --json gives it.
type searchRow struct {
	store.SearchHit
	Company string `json:"company"`
	Kind    string `json:"kind,omitempty"` // an activity's kind
	Text    string `json:"text"`           // a lead's contact and city, an activity's first line of notes
}

func (a *app) searchCmd() *cobra.Command {
	var limit int
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "search WORDS...",
		Short: "Find leads and activities by any words, in any language",
		Long: `Find the leads and activities that hold every word given, in the company
name, contacts (names, phones, e-mails), city, region, tags or notes.
A word finds the words it begins ("harb" finds Harbor); Chinese, Japanese
and Korean are matched by pairs of characters, so "拜访" finds 客户拜访,
and one character finds every text holding it. Case and full-width forms
do not matter. The search uses an index kept with the book.

The best come first: each word scores by the field it is in (company 8,
contacts 4, city, region or tags 2, notes 1), and equal scores list the
most recent first.`,
		Example: `  fieldcrm search harbor
  fieldcrm search 拜访 --limit 5
  fieldcrm search 138 0013 --json`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if limit < 0 {
				return &model.FieldError{Field: "--limit", Problem: "give 0 (all) or more"}
			}
			q := strings.Join(args, " ")
			var rows []searchRow
			var total int
			err := a.view(func(tx *store.Tx) error {
				hits, n, err := tx.Search(q, store.SearchOptions{Limit: limit})
				if err != nil {
					return err
				}
				total = n
				rows = make([]searchRow, len(hits))
				for i, h := range hits {
					rows[i] = a.searchRow(tx, h)
				}
				return nil
			})
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(a.out, rows)
			}
			lang := a.language()
			if len(rows) == 0 {
				printf(a.out, i18n.T(lang, "search.none")+"\n", q)
				return nil
			}
			loc := a.rules().Location
			t := table{header: strings.Split(i18n.T(lang, "search.header"), "|"), max: []int{0, 0, 0, 28, 0, 48}}
			for _, r := range rows {
				kind := i18n.T(lang, "search.lead")
				if r.Type == model.TypeActivity {
					kind = r.Kind
				}
				found := ""
				if len(r.Fields) > 0 {
					found = i18n.T(lang, "search.field."+r.Fields[0])
				}
				t.add(store.ShortID(r.ID), kind, r.At.In(loc).Format(time.DateOnly), r.Company, found, r.Text)
			}
			t.write(a.out)
			if total > len(rows) {
				printf(a.out, i18n.T(lang, "search.more")+"\n", total-len(rows), total)
			}
			return nil
		},
	}
	cmd.Flags().IntVar(&limit, "limit", 20, "at most this many, the best first (0: all)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	return cmd
}

// searchRow adds to a hit what a line shows of its record.
func (a *app) searchRow(tx *store.Tx, h store.SearchHit) searchRow {
	r := searchRow{SearchHit: h}
	if c, err := tx.Card(h.LeadID); err == nil {
		r.Company = c.Company
		if h.Type == model.TypeLead {
			r.Text = strings.Join(nonEmpty(c.Contact, c.City), " · ")
		}
	}
	if h.Type == model.TypeActivity {
		if act, err := tx.Activity(h.ID); err == nil {
			r.Kind, r.Text = act.Kind, act.FirstLine()
		}
	}
	return r
}

func nonEmpty(list ...string) []string {
	var out []string
	for _, s := range list {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}
