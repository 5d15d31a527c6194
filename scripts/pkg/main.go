// Command pkg builds fieldcrm's .deb and .rpm packages with nfpm's
// library and its reproducible .tar.gz and .zip archives, and lists or
// unpacks a built package without dpkg or rpm, so that CI can check what
// a package holds on any machine.
//
//	pkg build -config deploy/nfpm/fieldcrm.yaml -format deb -out dist/
//	pkg list dist/fieldcrm_1.0.0_amd64.deb
//	pkg extract dist/fieldcrm_1.0.0_amd64.deb ROOT
//	pkg archive dist/fieldcrm_1.0.0_darwin_arm64.tar.gz DIR
//
// build expands ${VAR} in the config from the environment
// (scripts/release.sh sets FIELDCRM_VERSION, FIELDCRM_ARCH and
// FIELDCRM_STAGE) and takes file times from $SOURCE_DATE_EPOCH, so the
// same inputs make the same package, byte for byte.
//
// It is a module of its own so that nfpm and its dependencies never enter
// the fieldcrm module's graph.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/goreleaser/nfpm/v2"
	_ "github.com/goreleaser/nfpm/v2/deb"
	_ "github.com/goreleaser/nfpm/v2/rpm"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "build":
		fs := flag.NewFlagSet("build", flag.ExitOnError)
		config := fs.String("config", "", "nfpm config file")
		format := fs.String("format", "deb", "deb or rpm")
		out := fs.String("out", ".", "folder for the package")
		_ = fs.Parse(os.Args[2:])
		var path string
		path, err = build(*config, *format, *out)
		if err == nil {
			fmt.Println(path)
		}
	case "list":
		if len(os.Args) != 3 {
			usage()
		}
		err = list(os.Args[2], os.Stdout)
	case "archive":
		if len(os.Args) != 4 {
			usage()
		}
		err = archive(os.Args[2], os.Args[3])
	case "extract":
		if len(os.Args) != 4 {
			usage()
		}
		err = extract(os.Args[2], os.Args[3])
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "pkg:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: pkg build -config FILE -format deb|rpm -out DIR | pkg list PACKAGE | pkg extract PACKAGE DIR | pkg archive OUT.tar.gz|OUT.zip DIR")
	os.Exit(2)
}

// build writes the package that config describes in format into out and
// returns its path.
func build(config, format, out string) (string, error) {
	cfg, err := nfpm.ParseFile(config)
	if err != nil {
		return "", fmt.Errorf("%s: %w", config, err)
	}
	info, err := cfg.Get(format)
	if err != nil {
		return "", err
	}
	info = nfpm.WithDefaults(info)
	packager, err := nfpm.Get(format)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return "", err
	}
	path := filepath.Join(out, packager.ConventionalFileName(info))
	f, err := os.Create(path)
	if err != nil {
		return "", err
	}
	info.Target = path
	if err := packager.Package(info, f); err != nil {
		f.Close()
		os.Remove(path)
		return "", fmt.Errorf("%s %s: %w", format, config, err)
	}
	return path, f.Close()
}
