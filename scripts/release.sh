#!/usr/bin/env bash
# Builds a release of fieldcrm into dist/ (or $DIST):
#   fieldcrm_VERSION_OS_ARCH.tar.gz (.zip for Windows): the static binary,
#     README.md, man pages and shell completions, for linux, darwin and
#     windows on amd64 and arm64;
#   fieldcrm_VERSION_ARCH.deb / fieldcrm-VERSION.ARCH.rpm (the client:
#     binary, man pages, completions) and fieldcrm-server_... (the systemd
#     unit, its environment file and the fieldcrm user), made with nfpm
#     v2.48.0 through scripts/pkg;
#   SHA256SUMS.
# Reproducible: CGO_ENABLED=0, -trimpath, no build id, no VCS stamp but the
# version and commit given to the linker, and every file time in archives
# and packages from SOURCE_DATE_EPOCH (default: the commit's time). Two runs
# on the same commit with the same Go give the same SHA256SUMS.
#
# Usage: scripts/release.sh                      # everything
#        VERSION=1.2.0 scripts/release.sh        # default: the tag vX.Y.Z at HEAD, else 0.0.0-dev
#        TARGETS="linux/amd64" scripts/release.sh   # fewer targets (CI's second, checking build)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

commit=$(git rev-parse HEAD 2>/dev/null || echo unknown)
if [ -z "${VERSION:-}" ]; then
	VERSION=$(git describe --tags --exact-match --match 'v[0-9]*' 2>/dev/null || true)
	VERSION=${VERSION#v}
	VERSION=${VERSION:-0.0.0-dev}
fi
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}
TARGETS=${TARGETS:-"linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64"}
DIST=${DIST:-dist}
case "$DIST" in /*) ;; *) DIST="$root/$DIST" ;; esac

export CGO_ENABLED=0 GOFLAGS="-trimpath -buildvcs=false"
ldflags="-s -w -buildid= -X 'main.version=$VERSION ${commit:0:12}'"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rm -rf "$DIST"
mkdir -p "$DIST" "$work/stage/bin" "$work/stage/completions"

echo "== fieldcrm $VERSION (${commit:0:12}), file times $(date -u -d "@$SOURCE_DATE_EPOCH" +%FT%TZ 2>/dev/null || echo "$SOURCE_DATE_EPOCH")"

# The packaging tool is a module of its own: nfpm stays out of go.mod.
(cd scripts/pkg && go build -o "$work/pkg" .)

# Man pages and completions come from a build for this machine with the
# man command (-tags man, see cmd/fieldcrm/man.go).
# They are made in a fixed environment: the pages show flag defaults,
# which come from $HOME and $FIELDCRM_* (and the date from
# SOURCE_DATE_EPOCH).
go build -tags man -o "$work/host/fieldcrm" ./cmd/fieldcrm
fixed=(env -i PATH="$PATH" HOME=/home/USER LANG=C.UTF-8 SOURCE_DATE_EPOCH="$SOURCE_DATE_EPOCH")
"${fixed[@]}" "$work/host/fieldcrm" man "$work/stage/man" >/dev/null
gzip -9n "$work/stage/man"/*.1
for shell in bash zsh fish; do
	"${fixed[@]}" "$work/host/fieldcrm" completion "$shell" >"$work/stage/completions/$shell"
done
mv "$work/stage/completions/bash" "$work/stage/completions/fieldcrm.bash"
mv "$work/stage/completions/zsh" "$work/stage/completions/_fieldcrm"
mv "$work/stage/completions/fish" "$work/stage/completions/fieldcrm.fish"

for target in $TARGETS; do
	os=${target%/*} arch=${target#*/}
	ext=
	[ "$os" = windows ] && ext=.exe
	name="fieldcrm_${VERSION}_${os}_${arch}"
	echo "== $os/$arch"
	dir="$work/$name"
	mkdir -p "$dir"
	GOOS=$os GOARCH=$arch go build -ldflags "$ldflags" -o "$dir/fieldcrm$ext" ./cmd/fieldcrm
	cp README.md "$dir/"
	if [ "$os" = windows ]; then
		"$work/pkg" archive "$DIST/$name.zip" "$dir"
		continue
	fi
	cp -r "$work/stage/man" "$work/stage/completions" "$dir/"
	"$work/pkg" archive "$DIST/$name.tar.gz" "$dir"
	if [ "$os" = linux ]; then
		cp "$dir/fieldcrm" "$work/stage/bin/fieldcrm"
		for format in deb rpm; do
			for config in fieldcrm fieldcrm-server; do
				FIELDCRM_VERSION=$VERSION FIELDCRM_PKG_VERSION=${VERSION/-/\~} FIELDCRM_ARCH=$arch FIELDCRM_STAGE="$work/stage" \
					"$work/pkg" build -config "deploy/nfpm/$config.yaml" -format "$format" -out "$DIST" >/dev/null
			done
		done
	fi
done

(cd "$DIST" && sha256sum -- * >SHA256SUMS)
echo "== $DIST"
(cd "$DIST" && ls -l)
