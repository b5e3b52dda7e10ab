// Package signjob signs a batch of queued documents: it checks each file
// against the fingerprint taken when it was queued, signs it with pdfsign
// through the authority's SignDigests (the passphrase unlocks the key once
// per batch; the private key never leaves the authority), writes
// NAME_signed.pdf without ever replacing a file, reports progress per
// document, and can be cancelled. Each document gets its own result: one
// bad document never stops the others.
package signjob

import (
	"context"
	"crypto/x509"
	"errors"

	"github.com/natunakab/besign/authority"
)

// Errors of one document; the pdfsign and authority sentinels pass through
// wrapped (a password-protected PDF: pdfsign.ErrPasswordRequired; a wrong
// passphrase: authority.ErrPassphraseWrong).
var (
	// ErrChanged: the file's size, time or content differs from its
	// fingerprint; the person must look at it again before signing.
	ErrChanged = errors.New("the file changed since it was queued")
	// ErrMissing: the file is gone since it was queued.
	ErrMissing = errors.New("the file no longer exists")
	// ErrOutputDir: the output folder is missing or not writable.
	ErrOutputDir = errors.New("the output folder is not usable")
	// ErrCancelled: the batch was cancelled before the document was signed.
	ErrCancelled = errors.New("signing was cancelled")
)

// Document is one document of a batch.
type Document struct {
	Path        string
	Fingerprint authority.Fingerprint
	Settings    authority.SignatureSettings
	// PDFPassword opens a password-protected PDF; never stored.
	PDFPassword string
}

// Stage is where a document is.
type Stage int

const (
	StageWaiting  Stage = iota // not started
	StageChecking              // comparing with the fingerprint
	StageHashing               // reading and hashing the file
	StageSigning               // waiting for the authority's signature
	StageWriting               // writing the output
	StageDone                  // signed, or failed: see Result
)

// Progress is one document's progress; Done and Total are bytes.
type Progress struct {
	Index       int // into the documents given to Run
	Stage       Stage
	Done, Total int64
}

// Result is one document's outcome: Output on success, else Err.
type Result struct {
	Index  int
	Output string
	Err    error
}

// Job is what a batch needs besides its documents.
type Job struct {
	// Sign signs SHA-256 digests, for example the authority's SignDigests
	// with the session and passphrase; it is called once per batch.
	Sign func(ctx context.Context, digests [][]byte) ([][]byte, error)
	// Chain is the account's certificate then its issuers.
	Chain []*x509.Certificate
	// Name, NIP and Jabatan go into the visible signature.
	Name, NIP, Jabatan string
	// OutputDir, when set, overrides every document's Settings.OutputDir.
	OutputDir string
	// Progress, when not nil, is called from worker goroutines.
	Progress func(Progress)
}

// Run signs docs and returns one result per document, in order. A cancelled
// ctx stops documents not yet signed with ErrCancelled; nothing
// half-written is left.
func Run(ctx context.Context, job Job, docs []Document) []Result {
	res := make([]Result, len(docs))
	for i := range res {
		res[i] = Result{Index: i, Err: errors.New("signjob: not built yet")}
	}
	return res
}

// Take reads the file at path and returns its fingerprint.
func Take(path string) (authority.Fingerprint, error) {
	return authority.Fingerprint{}, errors.New("signjob: not built yet")
}

// OutputPath is where a document's signed copy goes: NAME_signed.pdf in dir
// (empty: beside the input), or the first free "NAME_signed (2).pdf", ...
// when that exists.
func OutputPath(input, dir string) (string, error) {
	return "", errors.New("signjob: not built yet")
}
