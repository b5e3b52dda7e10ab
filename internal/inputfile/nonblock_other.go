//go:build !unix

package inputfile

// openNonBlock is 0: on Windows opening a pipe or a device does not block;
// the type check refuses them.
const openNonBlock = 0
