package forms

import (
	"errors"
	"strconv"
	"strings"

	"charm.land/huh/v2"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/ui/common"
)

// The field checks reuse the model's rules (by validating a lead that
// holds only the field) and say what is wrong in the UI language.

func required(c *common.Common, next func(string) error) func(string) error {
	return func(s string) error {
		if strings.TrimSpace(s) == "" {
			return errors.New(c.T("form.err_required"))
		}
		if next != nil {
			return next(s)
		}
		return nil
	}
}

// leadField checks one text field of a lead with the model's rules.
func leadField(c *common.Common, field string, set func(*model.Lead, string), msg string) func(string) error {
	return func(s string) error {
		l := model.Lead{Company: "x", Stage: c.Rules.Pipeline.Stages[0].Key}
		set(&l, s)
		for _, fe := range model.FieldErrors(l.Validate(c.Rules.Pipeline)) {
			if fe.Field == field {
				return errors.New(c.T(msg))
			}
		}
		return nil
	}
}

func checkCompany(c *common.Common) func(string) error {
	return required(c, leadField(c, "company", func(l *model.Lead, s string) { l.Company = s }, "form.err_too_long"))
}

func checkName(c *common.Common) func(string) error {
	return leadField(c, "city", func(l *model.Lead, s string) { l.City = s }, "form.err_too_long")
}

func checkPhone(c *common.Common) func(string) error {
	return leadField(c, "contacts[0].phone", func(l *model.Lead, s string) {
		l.Contacts = []model.Contact{{Name: "x", Phone: strings.TrimSpace(s)}}
	}, "form.err_phone")
}

func checkEmail(c *common.Common) func(string) error {
	return leadField(c, "contacts[0].email", func(l *model.Lead, s string) {
		l.Contacts = []model.Contact{{Name: "x", Email: strings.TrimSpace(s)}}
	}, "form.err_email")
}

func checkMoney(c *common.Common, optional bool) func(string) error {
	return func(s string) error {
		if strings.TrimSpace(s) == "" {
			if optional {
				return nil
			}
			return errors.New(c.T("form.err_required"))
		}
		if _, err := model.ParseMoney(s); err != nil {
			return errors.New(c.T("form.err_money"))
		}
		return nil
	}
}

func checkProbability(c *common.Common) func(string) error {
	return func(s string) error {
		if strings.TrimSpace(s) == "" {
			return nil
		}
		if _, err := parseProbability(s); err != nil {
			return errors.New(c.T("form.err_probability"))
		}
		return nil
	}
}

func parseProbability(s string) (*int, error) {
	s = strings.TrimSuffix(strings.TrimSpace(s), "%")
	if s == "" {
		return nil, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > 100 {
		return nil, errors.New("not a percentage")
	}
	return &n, nil
}

func checkDate(c *common.Common, optional bool) func(string) error {
	return func(s string) error {
		if strings.TrimSpace(s) == "" {
			if optional {
				return nil
			}
			return errors.New(c.T("form.err_required"))
		}
		if _, err := model.ParseDate(s, c.Today()); err != nil {
			return errors.New(c.T("form.err_date"))
		}
		return nil
	}
}

// checkDateTime accepts a day with or without a time of day, in the forms
// model.ParseDateTime reads (the CLI's --at takes the same).
func checkDateTime(c *common.Common) func(string) error {
	return func(s string) error {
		if strings.TrimSpace(s) == "" {
			return errors.New(c.T("form.err_required"))
		}
		if _, err := model.ParseDateTime(s, c.Now(), c.Rules.Location); err != nil {
			return errors.New(c.T("form.err_datetime"))
		}
		return nil
	}
}

func checkInt(c *common.Common, lo, hi int) func(string) error {
	return func(s string) error {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < lo || n > hi {
			return errors.New(c.Tf("form.err_range", lo, hi))
		}
		return nil
	}
}

func splitTags(s string) []string {
	var out []string
	for _, t := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '，' || r == '、' }) {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	return out
}

// fieldErr holds a field's last validation message, shown on the field's
// title line: the message stands next to the field it is about.
type fieldErr struct{ Msg string }

// input returns a text field over val whose check, when it fails, shows
// its message next to the title and keeps the field (and what was typed)
// focused.
func input(title string, val *string, limit int, check func(string) error) *huh.Input {
	in := huh.NewInput().Title(title).CharLimit(limit).Value(val)
	if check == nil {
		return in
	}
	fe := &fieldErr{}
	return in.
		Validate(func(s string) error {
			err := check(s)
			fe.Msg = ""
			if err != nil {
				fe.Msg = err.Error()
			}
			return err
		}).
		TitleFunc(func() string {
			if fe.Msg != "" {
				return title + "  ✗ " + fe.Msg
			}
			return title
		}, fe)
}
