package server_test

import (
	"fmt"
	"testing"

	"github.com/fieldcrm/fieldcrm/jsonpack"
	"github.com/fieldcrm/fieldcrm/server"
)

// TestPackedPageGrowsOnce builds a page of 2,000 ops as the log stores
// them into an empty buffer: it is grown once, to room for all of it,
// not step by step by the appends (which took about twice the page's
// bytes in copies).
func TestPackedPageGrowsOnce(t *testing.T) {
	page := server.PullPage{Epoch: "e1", More: true, Cursor: 4000}
	for i := range 2000 {
		op := fmt.Sprintf(`{"op_id":"%08x-0000-4000-8000-000000000000","entity":{"type":"activity","id":"x"},"kind":"set","fields":{"notes":"客户要求报价 %d"}}`, i, i)
		page.Changes = append(page.Changes, server.PullChange{Seq: uint64(2 * i), Packed: jsonpack.Pack(nil, []byte(op))})
	}
	page.Changes = append(page.Changes, server.PullChange{Seq: 4000, State: []byte(`{"entity":{"type":"lead","id":"x"},"fields":{}}`)})
	var out []byte
	allocs := testing.AllocsPerRun(5, func() {
		var err error
		if out, err = page.AppendPacked(nil); err != nil {
			t.Fatal(err)
		}
	})
	if _, err := jsonpack.Unpack(nil, out); err != nil {
		t.Fatal(err)
	}
	// The buffer, and json.Marshal's two for the epoch.
	if allocs > 3 {
		t.Errorf("building the page took %.0f allocations, want at most 3", allocs)
	}
	if c := cap(out); c > 2*len(out) {
		t.Errorf("the page's %d bytes were given %d bytes of room", len(out), c)
	}
}
