# Builds a release into dist/: binaries, archives, .deb and .rpm, SHA256SUMS
# (scripts/release.sh says how; VERSION=1.2.0 make release).
.PHONY: release check-release
release:
	bash scripts/release.sh

# What CI checks of a release (scripts/check-release.sh).
check-release:
	bash scripts/check-release.sh
