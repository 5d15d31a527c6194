package store

import (
	"fmt"

	"github.com/fieldcrm/fieldcrm/jsonpack"
	bolt "go.etcd.io/bbolt"
)

// A record's fields are stored packed (package jsonpack): the same JSON,
// byte for byte when read back, in about half the bytes. Every read of an
// entity bucket's value goes through a jsonView (or fieldsJSON, for a copy
// that outlives the transaction) and every write through putFields, so the
// rest of the store sees JSON only. A value written before packing existed
// is JSON itself and reads as it is; migration 14 packs an old book's
// records.

// putFields stores the fields (compact JSON) of entity id in b.
func putFields(b *bolt.Bucket, id string, fields []byte) error {
	// Never longer than fields but for a two-byte wrapping (jsonpack).
	return b.Put([]byte(id), jsonpack.Pack(make([]byte, 0, len(fields)+2), fields))
}

// jsonView reads stored values as JSON into one buffer it reuses: what it
// returns is valid until its next call (a value stored as JSON, until the
// transaction ends), for a caller that decodes it at once. Reading a
// record so costs no allocation of its own.
type jsonView struct{ buf []byte }

// of returns the JSON of a stored value; a value that does not unpack is
// damage (errCorrupt).
func (u *jsonView) of(v []byte) ([]byte, error) {
	if !jsonpack.Packed(v) {
		return v, nil
	}
	out, err := jsonpack.Unpack(u.buf[:0], v)
	if err != nil {
		return nil, damagedForm(err)
	}
	u.buf = out
	return out, nil
}

// damagedForm is the error for a stored value that does not unpack.
func damagedForm(err error) error {
	return fmt.Errorf("its stored form is %w: %w", errCorrupt, err)
}

// record reads entity id of b as of does; nil when absent.
func (u *jsonView) record(b *bolt.Bucket, id string) ([]byte, error) {
	v := b.Get([]byte(id))
	if v == nil {
		return nil, nil
	}
	return u.of(v)
}

// fieldsJSON is jsonView.of returning a new slice of the JSON's exact
// length, which outlives the transaction and the next read.
func fieldsJSON(v []byte) ([]byte, error) {
	if !jsonpack.Packed(v) {
		return clone(v), nil
	}
	data, err := jsonpack.UnpackNew(v)
	if err != nil {
		return nil, damagedForm(err)
	}
	return data, nil
}

// recordJSON is jsonView.record returning a new slice.
func recordJSON(b *bolt.Bucket, id string) ([]byte, error) {
	v := b.Get([]byte(id))
	if v == nil {
		return nil, nil
	}
	return fieldsJSON(v)
}
