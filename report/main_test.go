package report

import (
	"os"
	"testing"
)

func tempDir() (string, error) { return os.MkdirTemp("", "fieldcrm-report-bench-") }

// TestMain removes the benchmark book after the run.
func TestMain(m *testing.M) {
	code := m.Run()
	if benchStore != nil {
		benchStore.Close()
	}
	if benchDir != "" {
		os.RemoveAll(benchDir)
	}
	os.Exit(code)
}
