package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/pprof"

	"github.com/fieldcrm/fieldcrm/config"
	"github.com/fieldcrm/fieldcrm/i18n"
	"github.com/fieldcrm/fieldcrm/model"
)

// cpuProfileEnv names a folder: every fieldcrm process started with it
// set writes a CPU profile of its whole run there, as
// fieldcrm-<pid>.pprof. The build's profile-guided optimisation
// (cmd/fieldcrm/default.pgo) is those profiles merged, taken from the
// whole-process sync flows (scripts/pgo-profile.sh; BENCHMARKS.md,
// "The build optimised by a profile of the sync").
const cpuProfileEnv = "FIELDCRM_CPU_PROFILE"

// startCPUProfile starts the profile cpuProfileEnv asks for, if any, and
// returns what ends it. A profile that cannot be written is said on errw
// and the command runs without one.
func startCPUProfile(errw io.Writer) (stop func()) {
	dir := os.Getenv(cpuProfileEnv)
	if dir == "" {
		return func() {}
	}
	path := filepath.Join(dir, fmt.Sprintf("fieldcrm-%d.pprof", os.Getpid()))
	f, err := os.Create(path)
	if err == nil {
		if err = pprof.StartCPUProfile(f); err != nil {
			f.Close()
			os.Remove(path)
		}
	}
	if err != nil {
		lang := config.Language("", &config.Config{})
		// The path is the environment's: shown escaped, never acted on.
		fmt.Fprintln(errw, i18n.Tf(lang, "profile.failed", cpuProfileEnv, model.PrintableFlat(err.Error())))
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}
