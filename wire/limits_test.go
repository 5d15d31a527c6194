package wire

import (
	"testing"

	"github.com/fieldcrm/fieldcrm/model"
)

// TestPullBudgetFitsCap: the largest page the server can send, its byte
// budget less a byte and then the largest single change, is one the
// client reads. A change is an op, at most model.MaxOpBytes as pushed and
// at most six times that as the server's JSON escaping stores it (a note
// of nothing but <, > or &), or a record's state, at most MaxRecordBytes.
func TestPullBudgetFitsCap(t *testing.T) {
	const framing = 1 << 10
	largest := max(6*model.MaxOpBytes, MaxRecordBytes)
	if page := PullPageBytes - 1 + largest + framing; page > MaxPullBytes {
		t.Fatalf("a page may reach %d bytes; the client reads at most %d", page, MaxPullBytes)
	}
	if PullPageBytes < 2*model.MaxOpBytes {
		t.Fatalf("the budget (%d) holds fewer than two of the longest ops (%d): pages of notes would come one by one", PullPageBytes, model.MaxOpBytes)
	}
}
