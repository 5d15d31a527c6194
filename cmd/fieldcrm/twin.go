package main

import (
	"strconv"
	"strings"

	"github.com/fieldcrm/fieldcrm/exchange"
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
)

// warnTwins tells, on stderr, when the lead just added is likely the same
// customer as one already in the book (dedupe's rules: the same normalised
// company, phone or e-mail), naming the first and the commands that list
// and merge them. The lead stays added; a failure to look is not an error.
func (a *app) warnTwins(l *model.Lead) {
	var leads []model.Lead
	if err := a.view(func(tx *store.Tx) (err error) { leads, err = tx.Leads(store.LeadFilter{}); return }); err != nil {
		return
	}
	pairs := exchange.DuplicatesOf(l.ID, leads)
	if len(pairs) == 0 {
		return
	}
	p := pairs[0]
	id, company := p.A, p.CompanyA
	if id == l.ID {
		id, company = p.B, p.CompanyB
	}
	more := ""
	if len(pairs) > 1 {
		more = " (and " + strconv.Itoa(len(pairs)-1) + " more)"
	}
	printf(a.err, "warning: %s %s may be the same customer%s: %s.\n", store.ShortID(id), company, more, strings.Join(p.Reasons, "; "))
	printf(a.err, "See 'fieldcrm dedupe'; merge with 'fieldcrm merge %s %s'.\n", store.ShortID(id), store.ShortID(l.ID))
}
