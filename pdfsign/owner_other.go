//go:build !unix

package pdfsign

import "os"

// keepOwner: a new file on Windows inherits its folder's permissions.
func keepOwner(*os.File, os.FileInfo) {}
