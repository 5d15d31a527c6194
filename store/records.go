package store

import (
	"fmt"

	"github.com/fieldcrm/fieldcrm/jsonpack"
	bolt "go.etcd.io/bbolt"
)

// A record's fields are stored packed (package jsonpack): the same JSON,
// byte for byte when read back, in about half the bytes. Every read of an
// entity bucket's value goes through fieldsJSON and every write through
// putFields, so the rest of the store sees JSON only. A value written
// before packing existed is JSON itself, which fieldsJSON gives back as
// it is, so old books need no migration: compaction and the next write of
// a record pack it.

// putFields stores the fields (compact JSON) of entity id in b.
func putFields(b *bolt.Bucket, id string, fields []byte) error {
	return b.Put([]byte(id), packFields(fields))
}

// fieldsJSON returns the JSON of a stored value, a new slice that outlives
// the transaction; a value that does not unpack is damage (errCorrupt).
func fieldsJSON(v []byte) ([]byte, error) {
	data, err := unpackFields(v)
	if err != nil {
		return nil, fmt.Errorf("its stored form is %w: %w", errCorrupt, err)
	}
	return data, nil
}

// jsonView reads stored values as JSON into one buffer it reuses: what it
// returns is valid until its next call (a value stored as JSON, until the
// transaction ends), for a caller that decodes it at once. Reading a
// record so costs no allocation of its own.
type jsonView struct{ buf []byte }

func (u *jsonView) of(v []byte) ([]byte, error) {
	if !jsonpack.Packed(v) {
		return v, nil
	}
	out, err := jsonpack.Unpack(u.buf[:0], v)
	if err != nil {
		return nil, fmt.Errorf("its stored form is %w: %w", errCorrupt, err)
	}
	u.buf = out
	return out, nil
}

// record reads entity id of b as of does; nil when absent.
func (u *jsonView) record(b *bolt.Bucket, id string) ([]byte, error) {
	v := b.Get([]byte(id))
	if v == nil {
		return nil, nil
	}
	return u.of(v)
}

// recordJSON reads entity id of b as JSON; nil when absent.
func recordJSON(b *bolt.Bucket, id string) ([]byte, error) {
	v := b.Get([]byte(id))
	if v == nil {
		return nil, nil
	}
	return fieldsJSON(v)
}

func packFields(fields []byte) []byte {
	// Never longer than fields but for a two-byte wrapping (jsonpack).
	return jsonpack.Pack(make([]byte, 0, len(fields)+2), fields)
}

func unpackFields(v []byte) ([]byte, error) { return jsonpack.Unpack(nil, v) }

func packedFields(v []byte) bool { return jsonpack.Packed(v) }
