package common

import (
	"errors"
	"strings"
	"testing"
)

// A sync error carrying the server's words, control characters included,
// becomes one sentence with those characters escaped.
func TestSentenceEscapesControlCharacters(t *testing.T) {
	got := Sentence(errors.New("the server refused the request (403 forbidden): no \x1b[2Jentry\u009b31m\nhere"))
	want := `The server refused the request (403 forbidden): no \x1b[2Jentry\x9b31m here.`
	if got != want || strings.ContainsAny(got, "\x1b\u009b\n") {
		t.Fatalf("Sentence = %q, want %q", got, want)
	}
}
