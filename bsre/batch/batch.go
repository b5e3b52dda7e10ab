// Package batch signs the app's queued documents through an organisation
// server in BSrE mode (authority.CertifiedSigner): it reads each file and
// checks it against its queued fingerprint, sends the documents in calls
// of a bounded count and size, checks every returned file again with
// bsre/accept, and writes only the accepted ones, beside their input as
// signjob does.
//
// A call that fails stops the batch: BSrE counts wrong passphrases, and a
// call whose answer was lost may have signed (authority.
// ErrCertifiedOutcomeUnknown), so nothing is sent again without the
// person deciding to.
package batch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/bsre/accept"
	"github.com/natunakab/besign/pdfsign"
	"github.com/natunakab/besign/signjob"
)

// ErrNotSent: the document was not sent, because an earlier call of the
// batch failed.
var ErrNotSent = errors.New("not sent: an earlier call of the batch failed")

// Job is one batch.
type Job struct {
	Signer authority.CertifiedSigner
	Token  string
	// Passphrase or Code (the mailed TOTP) unlocks the key at BSrE.
	Passphrase, Code string
	// Status gives the account's email and the bounds of one call.
	Status authority.CertifiedStatus
	// Image is the specimen (PNG) drawn in visible boxes; optional.
	Image []byte
	// Verify is how the app checks returned signatures (BSrE's roots when
	// IT shipped them).
	Verify   pdfsign.VerifyOptions
	Progress func(signjob.Progress)
	// Answered, when set, is called once, after the first call that BSrE
	// answered: the credential was right, the prompt may give way.
	Answered func()
}

// Run signs docs and returns one result per document, in order; stop is
// the error of the call that stopped the batch, nil when every call was
// answered.
func Run(ctx context.Context, job Job, docs []signjob.Document) (results []signjob.Result, stop error) {
	results = make([]signjob.Result, len(docs))
	for i := range results {
		results[i].Index = i
	}
	progress := func(i int, s signjob.Stage) {
		if job.Progress != nil {
			job.Progress(signjob.Progress{Index: i, Stage: s})
		}
	}
	maxDocs, maxBytes := job.Status.MaxDocuments, job.Status.MaxBytes
	if maxDocs <= 0 {
		maxDocs = 1
	}
	type item struct {
		i   int
		pdf []byte
		doc authority.CertifiedDocument
	}
	var chunk []item
	var size int64
	send := func() {
		if len(chunk) == 0 {
			return
		}
		defer func() { chunk, size = nil, 0 }()
		if stop != nil {
			for _, it := range chunk {
				results[it.i].Err = fmt.Errorf("%w (%w)", ErrNotSent, stop)
				progress(it.i, signjob.StageDone)
			}
			return
		}
		req := authority.SignDocumentsRequest{Token: job.Token, Passphrase: job.Passphrase, Code: job.Code}
		for _, it := range chunk {
			req.Documents = append(req.Documents, it.doc)
			progress(it.i, signjob.StageSigning)
		}
		resp, err := job.Signer.SignDocuments(ctx, req)
		if err == nil && len(resp.Documents) != len(chunk) {
			err = fmt.Errorf("%w: %d documents back for %d sent", authority.ErrCertifiedFailed, len(resp.Documents), len(chunk))
		}
		if err != nil {
			stop = err
			for _, it := range chunk {
				results[it.i].Err = err
				progress(it.i, signjob.StageDone)
			}
			return
		}
		if job.Answered != nil {
			job.Answered()
			job.Answered = nil
		}
		for k, it := range chunk {
			progress(it.i, signjob.StageWriting)
			results[it.i] = write(it.i, docs[it.i], it.doc, resp.Documents[k], job)
			progress(it.i, signjob.StageDone)
		}
	}
	for i, d := range docs {
		if err := ctx.Err(); err != nil && stop == nil {
			stop = fmt.Errorf("%w: %w", signjob.ErrCancelled, err)
		}
		progress(i, signjob.StageChecking)
		pdf, err := read(d)
		if err != nil {
			results[i].Err = err
			progress(i, signjob.StageDone)
			continue
		}
		s := d.Settings
		cd := authority.CertifiedDocument{PDF: pdf, Invisible: s.Invisible, Page: s.Page, Box: s.Box,
			Reason: s.Reason, Location: s.Location}
		if !s.Invisible {
			cd.Image = job.Image
		}
		if len(chunk) > 0 && (len(chunk) >= maxDocs || (maxBytes > 0 && size+int64(len(pdf)) > maxBytes)) {
			send()
		}
		chunk = append(chunk, item{i, pdf, cd})
		size += int64(len(pdf))
	}
	send()
	return results, stop
}

// read reads the document, and refuses it when it is not the file that
// was queued.
func read(d signjob.Document) ([]byte, error) {
	fp, err := signjob.Take(d.Path)
	if err != nil {
		return nil, err
	}
	if fp.Size != d.Fingerprint.Size || !bytes.Equal(fp.SHA256, d.Fingerprint.SHA256) {
		return nil, fmt.Errorf("%w: %s", signjob.ErrChanged, d.Path)
	}
	b, err := os.ReadFile(d.Path)
	if err != nil {
		return nil, fmt.Errorf("read the file: %w", err)
	}
	if int64(len(b)) != fp.Size {
		return nil, fmt.Errorf("%w: it changed while it was read", signjob.ErrChanged)
	}
	return b, nil
}

// write checks the returned document again (the server did, but the app
// trusts no one's check but its own) and writes it as NAME_signed.pdf.
func write(i int, d signjob.Document, sent authority.CertifiedDocument, got authority.CertifiedResult, job Job) signjob.Result {
	res := signjob.Result{Index: i}
	if got.Refused != "" || len(got.PDF) == 0 {
		res.Err = fmt.Errorf("%w: %s", authority.ErrCertifiedRefused, got.Refused)
		return res
	}
	want := accept.Want{Invisible: sent.Invisible, Page: sent.Page, Box: sent.Box, Email: job.Status.Email,
		Timestamp: true, Verify: job.Verify}
	want.Verify.Password = d.PDFPassword
	out, err := signjob.OutputPath(d.Path, d.Settings.OutputDir)
	if err != nil {
		res.Err = err
		return res
	}
	path, _, err := accept.Write(out, 0o644, sent.PDF, got.PDF, want)
	if err != nil {
		if errors.Is(err, accept.ErrRefused) {
			err = fmt.Errorf("%w: %w", authority.ErrCertifiedRefused, err)
		}
		res.Err = err
		return res
	}
	res.Output, res.Level = path, signjob.LevelT
	return res
}
