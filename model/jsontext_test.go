package model

import (
	"encoding/json"
	"testing"
)

// JSONText and JSONTextIs read a string as encoding/json does, quickly
// when they can.
func TestJSONText(t *testing.T) {
	for _, v := range []string{`"ann"`, `"王芳"`, `""`, `null`, `"a\"b"`, `"tab\there"`, "\"bad \xff utf-8\"", "\"ctl \x01\"", `42`, `"\u0061nn"`} {
		var want string
		wantErr := json.Unmarshal([]byte(v), &want)
		got, err := JSONText([]byte(v))
		if (err == nil) != (wantErr == nil) || got != want {
			t.Errorf("JSONText(%q) = %q, %v; encoding/json: %q, %v", v, got, err, want, wantErr)
		}
		for _, s := range []string{want, "ann", ""} {
			if is := JSONTextIs([]byte(v), s); is != (wantErr == nil && want == s) {
				t.Errorf("JSONTextIs(%q, %q) = %v", v, s, is)
			}
		}
	}
}
