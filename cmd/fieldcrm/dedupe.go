package main

import (
	"strings"

	"github.com/fieldcrm/fieldcrm/exchange"
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/spf13/cobra"
)

func init() {
	commandGroups = append(commandGroups, func(root *cobra.Command, a *app) {
		root.AddCommand(a.dedupeCmd())
	})
}

func (a *app) dedupeCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "dedupe",
		Short: "List leads that are likely the same customer",
		Long: `List pairs of leads that are likely the same customer, with the reason:
the same company name once case, full/half width, punctuation and legal
suffixes (Co., Ltd., Inc., GmbH, 有限公司, 股份有限公司, 集团 ...) are set
aside; the same phone number (with or without +86); or the same e-mail.
Merge a pair with 'fieldcrm merge A B'.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var leads []model.Lead
			if err := a.view(func(tx *store.Tx) error {
				var err error
				leads, err = tx.Leads(store.LeadFilter{})
				return err
			}); err != nil {
				return err
			}
			pairs := exchange.FindDuplicates(leads)
			if asJSON {
				if pairs == nil {
					pairs = []exchange.Pair{}
				}
				return printJSON(a.out, pairs)
			}
			if len(pairs) == 0 {
				printf(a.out, "No likely duplicates among %d leads.\n", len(leads))
				return nil
			}
			t := &table{header: []string{"KEEP", "COMPANY", "MERGE", "COMPANY", "WHY"}, max: []int{0, 28, 0, 28, 60}}
			for _, p := range pairs {
				t.add(store.ShortID(p.A), p.CompanyA, store.ShortID(p.B), p.CompanyB, strings.Join(p.Reasons, "; "))
			}
			t.write(a.out)
			p := pairs[0]
			printf(a.out, "\n%d likely duplicate pairs. Merge one with: fieldcrm merge %s %s\n", len(pairs), store.ShortID(p.A), store.ShortID(p.B))
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the pairs as JSON")
	return cmd
}
