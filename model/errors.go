package model

import (
	"errors"
	"strings"
)

// FieldError says which field of a record is wrong and why. Its message is
// a sentence a user can act on.
type FieldError struct {
	Field   string
	Problem string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Problem }

// Errors collects several field errors, so a form can show each one next to
// its field.
type Errors []*FieldError

func (es Errors) Error() string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "; ")
}

// Err returns nil when there are no errors, so callers can return it as is.
func (es Errors) Err() error {
	if len(es) == 0 {
		return nil
	}
	return es
}

func (es *Errors) add(field, problem string) {
	*es = append(*es, &FieldError{Field: field, Problem: problem})
}

// FieldErrors returns the field errors inside err, if any.
func FieldErrors(err error) []*FieldError {
	var es Errors
	if errors.As(err, &es) {
		return es
	}
	var fe *FieldError
	if errors.As(err, &fe) {
		return []*FieldError{fe}
	}
	return nil
}
