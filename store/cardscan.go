package store

import (
	"fmt"
	"strings"
	"unsafe"
)

// EachCard calls fn with every live lead's card, in id (creation) order,
// decoded as far as lists show a lead (no tags, lost reason, signing day
// or stage history) into one Card reused for every call. Its text is read
// in place from the file, valid only until fn returns: reading a large
// book this way allocates nothing per card, and fn keeps a card with
// Clone. The board draws its first screen from it.
func (t *Tx) EachCard(fn func(*Card) error) error {
	if err := t.flushCards(); err != nil {
		return err
	}
	var c Card
	return t.bucket(bucketCards).ForEach(func(k, v []byte) error {
		if len(v) == 0 {
			return fmt.Errorf("card %s: %w", k, errBadCard)
		}
		// The value stays mapped for the transaction and c's text does
		// not outlive fn.
		if err := c.decodeString(unsafe.String(&v[0], len(v)), false); err != nil {
			return fmt.Errorf("card %s: %w", k, err)
		}
		return fn(&c)
	})
}

// Clone returns a copy of c that shares no memory with it: the way to keep
// a card EachCard lends.
func (c *Card) Clone() Card {
	d := *c
	// One string for all the text, as a decoded card has.
	var b strings.Builder
	fields := []*string{&d.ID, &d.Company, &d.Contact, &d.City, &d.Stage, &d.Owner, &d.Source, &d.Currency, &d.NextAction, &d.NextTaskID, &d.LostReason}
	for _, f := range fields {
		b.WriteString(*f)
	}
	all, at := b.String(), 0
	for _, f := range fields {
		n := len(*f)
		*f, at = all[at:at+n], at+n
	}
	d.Tags = make([]string, len(c.Tags))
	for i, tag := range c.Tags {
		d.Tags[i] = strings.Clone(tag)
	}
	if c.Tags == nil {
		d.Tags = nil
	}
	d.Stages = make([]CardStage, len(c.Stages))
	for i, s := range c.Stages {
		d.Stages[i] = CardStage{Stage: strings.Clone(s.Stage), At: s.At}
	}
	if c.Stages == nil {
		d.Stages = nil
	}
	return d
}
