// Package arch holds the test that keeps the project's import arrows
// running one way: each package in its layer, leaves importing no package
// above them.
package arch
