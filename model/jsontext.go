package model

import (
	"encoding/json"
	"unicode/utf8"
)

// JSONText returns the JSON string v's value ("" for null), reading it
// without encoding/json when its bytes between the quotes are its value:
// no escape, no control character, valid UTF-8 (encoding/json would
// refuse the one and replace the other). A record's names and ids are
// read so on every op a server checks and every answer a laptop stores.
func JSONText(v []byte) (string, error) {
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' && plainText(v[1:len(v)-1]) {
		return string(v[1 : len(v)-1]), nil
	}
	var s string
	err := json.Unmarshal(v, &s)
	return s, err
}

// JSONTextIs reports whether v is the JSON string s, as decoding it with
// encoding/json and comparing would, without a copy when it can.
func JSONTextIs(v []byte, s string) bool {
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' && plainText(v[1:len(v)-1]) {
		return string(v[1:len(v)-1]) == s
	}
	var got string
	return json.Unmarshal(v, &got) == nil && got == s
}

// plainText reports whether s, a JSON string's bytes between its quotes,
// are its value as they are.
func plainText(s []byte) bool {
	for _, c := range s {
		if c < 0x20 || c == '\\' || c == '"' {
			return false
		}
	}
	return utf8.Valid(s)
}
