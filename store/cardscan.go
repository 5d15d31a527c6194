package store

import "fmt"

// EachCard calls fn with every live lead's card, in id (creation) order,
// decoded as far as lists show a lead (no tags, lost reason, signing day
// or stage history) into one Card reused for every call: reading a large
// book this way allocates one string per card and keeps nothing, so fn
// copies what it keeps. The board draws its first screen from it.
func (t *Tx) EachCard(fn func(*Card) error) error {
	if err := t.flushCards(); err != nil {
		return err
	}
	var c Card
	return t.bucket(bucketCards).ForEach(func(k, v []byte) error {
		if err := c.unmarshalHead(v); err != nil {
			return fmt.Errorf("card %s: %w", k, err)
		}
		return fn(&c)
	})
}
