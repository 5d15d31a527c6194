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
	const changeFraming = len(`{"seq":18446744073709551615,"remove":},`)
	largest := max(6*model.MaxOpBytes, MaxRecordBytes)
	if page := PullPageBytes - 1 + largest + framing; page > MaxPullBytes {
		t.Fatalf("a page may reach %d bytes; the client reads at most %d", page, MaxPullBytes)
	}
	// A page of packed ops: each op's JSON at most 64 times its packed
	// bytes and 1 KiB, the page's ops at most PullPageBytes/PullPackedRatio
	// packed bytes before its last.
	if page := 64*(PullPageBytes-1)/PullPackedRatio + MaxPullLimit*(framing+changeFraming) + largest; page > MaxPullBytes {
		t.Fatalf("a page of packed ops may reach %d bytes of JSON; the client reads at most %d", page, MaxPullBytes)
	}
	if PullPageBytes < 2*model.MaxOpBytes {
		t.Fatalf("the budget (%d) holds fewer than two of the longest ops (%d): pages of notes would come one by one", PullPageBytes, model.MaxOpBytes)
	}
}
