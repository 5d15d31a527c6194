package server

import (
	"encoding/json"
	"testing"
)

// FuzzReadJSONString: readJSONString reads what json.Unmarshal into a
// string reads, and fails where it fails.
func FuzzReadJSONString(f *testing.F) {
	for _, s := range []string{
		`"01a243eb-eb13-73f0-88f4-8ec785ba271d"`, `""`, `"a\"b"`, `"\u0041"`, `"é"`, "\"\xff\"",
		"\"a\x01\"", `"a"b"`, `"unterminated`, `42`, `null`, `"`, ``, `"a\\"`, `"~ "`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := readJSONString(b)
		var want string
		werr := json.Unmarshal(b, &want)
		if (err == nil) != (werr == nil) || err == nil && got != want {
			t.Fatalf("readJSONString(%q) = %q, %v; json.Unmarshal %q, %v", b, got, err, want, werr)
		}
	})
}
