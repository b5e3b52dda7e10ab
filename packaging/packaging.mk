# Installers (issue 4), included from the Makefile, which defines GO,
# VERSION and LDFLAGS. Artefacts go to $(DIST):
#   besign_VERSION_amd64.deb, besign-VERSION-linux-amd64.tar.xz,
#   besign-VERSION-windows-amd64-setup.exe, besign-VERSION-windows-amd64.msi
# Authenticode signing: make package-windows SIGN_PFX=cert.pfx SIGN_PASS_FILE=pass.txt
# The packaging tools come from Debian through scripts/install-deps.sh package.

DIST ?= dist
PKG_ENV = VERSION="$(VERSION)" LDFLAGS="$(LDFLAGS)" GO="$(GO)" DIST="$(DIST)" ARTIFACTS="$(ARTIFACTS)"

.PHONY: package package-deps package-linux package-windows test-packages test-package-linux test-package-windows

package: package-linux package-windows

package-deps:
	@bash scripts/install-deps.sh package

package-linux: package-deps
	$(PKG_ENV) bash packaging/build-linux.sh

# The first cgo cross-build of Fyne takes minutes; the Go build cache keeps it.
package-windows: package-deps
	$(PKG_ENV) SIGN_PFX="$(SIGN_PFX)" SIGN_PASS_FILE="$(SIGN_PASS_FILE)" bash packaging/build-windows.sh

# Installs and removes the .deb on this machine: CI runs it as root.
test-packages: test-package-linux test-package-windows

test-package-linux: package-linux test-deps
	$(PKG_ENV) bash packaging/test-linux.sh

test-package-windows: package-windows
	$(PKG_ENV) bash packaging/test-windows.sh
