// Package jsonpack stores compact JSON records in about half the bytes, and
// gives back exactly the bytes it was given.
//
// # Why
//
// The book and the server keep every record as compact JSON in bbolt, and
// for a book of 10,000 leads and 100,000 activities those values are most
// of the file (issue 15): activities 66.5 MB, about 660 bytes each, leads
// 13.9 MB. General compression does not fit under every read and write:
// deflate with a dictionary of the records' structure makes an activity
// 1.8 times smaller at about 45 us to compress and 7 us to decompress it
// (BenchmarkDeflate, BenchmarkInflate). Most of a record's bytes are
// structure, not text: UUIDs written as 36 hex digits and hyphens, times
// as 30 characters, the same keys in every record, quotes, colons and
// commas. Writing those as what they are, in one pass over the bytes,
// halves the demo book's activities (0.9 us to pack one, 0.6 us to unpack
// it, against 1.6 us for json.Valid alone) and shrinks its leads 2.8 times
// and the server's records 2.3 times (BENCHMARKS.md has the figures and
// the commands).
//
// # The contract
//
// For every input b, Unpack(nil, Pack(nil, b)) is b, byte for byte:
// callers compare stored JSON with what json.Marshal writes. Pack packs
// only what it can give back so: compact, valid JSON, nested at most 64
// deep, and only when that is smaller. Anything else (spaces between
// tokens, invalid JSON, bytes after the value) it returns as it is, and
// Unpack returns a value that is not packed as it is too, so JSON stored
// before packing existed reads as before. Strings are kept as written,
// escapes and invalid UTF-8 included; numbers are rewritten only where
// their text is exactly strconv.FormatInt's.
//
// Unpack trusts nothing: bytes Pack did not write (a damaged disk) give an
// error wrapping ErrDamaged, never a panic, and never more output than 64
// times the input plus 1 KiB nor nesting deeper than 64 (64 within each value embedded whole,
// embed.go). It checks every token it expands, so what
// it returns without an error is valid JSON, or what Pack was given.
// UnpackMax bounds the output by its caller's limit instead (ErrTooLarge):
// a server unpacking a request body holds no more than a plain body may.
//
// # Format version 1
//
// A packed value is the byte 0x01 (no JSON text starts with a control
// byte), then one value's tokens. Where an object's next key is due, a
// key token:
//
//	0x00            end of the object
//	0x01 n bytes    a key not in the table: uvarint length, the key as written
//	0x02+i          keys[i] of the frozen table in keys.go
//
// Anywhere else, a value token:
//
//	0x01            an object: key, value, key, value ... 0x00
//	0x02            an array: values ... 0x03
//	0x04 0x05 0x06  false, true, null
//	0x07 n bytes    a string: uvarint length, its content as written
//	0x80+n bytes    a string of n < 128 bytes
//	0x08 16 bytes   a string that is a UUID in lowercase (8-4-4-4-12)
//	0x09 3 bytes    a string YYYY-MM-DD: ((year*13+month)*32+day), big-endian
//	0x0a+d ...      a string YYYY-MM-DDTHH:MM:SS[.f]Z with d fraction digits
//	                (0-9): (((date*24+hour)*60+minute)*61+second) in 5 bytes
//	                big-endian, then the fraction's value in 0 to 4 bytes,
//	                little-endian (1-2 digits: 1 byte, 3-4: 2, 5-7: 3, 8-9: 4)
//	0x40+v          the integer v, 0 <= v < 64
//	0x14 uvarint    an integer, zigzag
//	0x15 n bytes    any other number: uvarint length, its text
//	0x16 i          the same string as string number i (0-254) of this
//	                value, counting string tokens in order, references not
//	                counted; Pack refers back only to tokens of 3 to 48 bytes
//	0x17 bytes      (only right after 0x01) the input as it was: Pack's
//	                answer to input that starts with 0x01 itself
//	0x18 n bytes    a value embedded whole: uvarint length, a packed value
//	                (0x01, then its tokens) whose strings are numbered
//	                among themselves; Pack never writes it, a server writes
//	                it in pull pages for clients that read it (embed.go)
//
// Dates and times are fields, not instants: month 0-12, day 0-31, hour
// 0-23, minute 0-59, second 0-60 each packed as written, so "2026-02-30"
// comes back as it was; anything out of those ranges stays a string.
//
// The key table is part of the format: it is append-only (an entry never
// removed, changed or moved; new keys at the end, up to 254), and
// testdata/keys.v1.txt and testdata/records.v1.b64 hold version 1, which
// every later build must read.
package jsonpack
