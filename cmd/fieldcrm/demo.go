package main

import (
	"fmt"
	"time"

	"github.com/fieldcrm/fieldcrm/demo"
	"github.com/spf13/cobra"
)

func init() {
	commandGroups = append(commandGroups, func(root *cobra.Command, a *app) {
		root.AddCommand(a.demoCmd())
	})
}

func (a *app) demoCmd() *cobra.Command {
	var leads int
	var seed int64
	var salesOnly bool
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Fill an empty database with a realistic demo book",
		Long: `Fill an empty database with a realistic demo book: companies in Chinese and
English, contacts, leads in every stage, visits and calls with bilingual
notes, follow-ups around today and complaints on some won accounts, and a
technical-support and an after-sales colleague assigned to some leads.
Big deals are approved by leadership (wang.leadership; once, with
zhao.leadership, two decisions at the same moment) before they are won;
won accounts are handed off: service orders of every kind and status,
and a task for the support queue.
A rep who will log this book in and sync it should leave the colleagues
out with --sales-only: only a manager may assign them and only an
approver may decide, so the server would refuse those leads and
decisions. Deals still waiting for approval then stay in negotiation.

It refuses a database that already has leads, so it never mixes demo data
into a real book; use --db to pick a file. The book is compacted at the
end, so the file holds only its live pages.`,
		Example: "  fieldcrm demo\n  fieldcrm --db /tmp/big.db demo --leads 10000",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if leads < 1 || leads > 1_000_000 {
				return fmt.Errorf("--leads %d: give 1 to 1000000", leads)
			}
			st, err := a.store()
			if err != nil {
				return err
			}
			start := time.Now()
			opt := demo.Options{Leads: leads, Seed: seed, Now: a.now(), SalesOnly: salesOnly}
			if isTerminal(a.err) && leads >= 2000 {
				opt.Progress = func(done, total int) {
					fmt.Fprintf(a.err, "\rwriting demo book: %d/%d leads", done, total)
					if done == total {
						fmt.Fprintln(a.err)
					}
				}
			}
			if err := demo.Generate(st, opt); err != nil {
				return err
			}
			// Written in many transactions, the book keeps the pages
			// they freed and pages split half full; a compaction leaves
			// only the live data (135.0 MB to 98.7 MB at 10,000 leads,
			// --sales-only).
			if opt.Progress != nil {
				fmt.Fprint(a.err, "compacting the demo book\n")
			}
			c, err := st.CompactMade()
			if err != nil {
				return err
			}
			fmt.Fprintf(a.out, "demo book of %d leads written to %s in %s (%s)\n", leads, st.Path(), time.Since(start).Round(time.Millisecond), megabytes(c.After))
			return nil
		},
	}
	cmd.Flags().IntVar(&leads, "leads", 200, "number of leads (about ten activities each)")
	cmd.Flags().Int64Var(&seed, "seed", 1, "random seed: the same seed gives the same book")
	cmd.Flags().BoolVar(&salesOnly, "sales-only", false, "leave out the colleagues and what only they may write")
	return cmd
}
