package cli

import (
	"bufio"
	"context"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/natunakab/besign/assets"
	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/config"
	"github.com/natunakab/besign/datadir"
	"github.com/natunakab/besign/history"
	"github.com/natunakab/besign/pdfsign"
	"github.com/natunakab/besign/pdfsign/timestamp"
	"github.com/natunakab/besign/signjob"
	"github.com/natunakab/besign/verifytrust"
	pkcs12 "software.sslmate.com/src/go-pkcs12"
)

func init() {
	register(command{"sign", "besign sign [--p12 FILE | --account EMAIL] [--passphrase-stdin] [--pdf-password-stdin] [--field NAME] [--visible --page N --rect X,Y,W,H] [--reason R] [--location L] [--out FILE | --out-dir DIR] [--force] [--level B-B|B-T|B-LT|B-LTA] FILE...", runSign})
}

func runSign(env *Env, args []string) error {
	fs := newFlagSet("sign")
	p12 := fs.String("p12", "", "")
	account := fs.String("account", "", "")
	passStdin := fs.Bool("passphrase-stdin", false, "")
	visible := fs.Bool("visible", false, "")
	page := fs.Int("page", 0, "")
	rect := fs.String("rect", "", "")
	reason := fs.String("reason", "", "")
	location := fs.String("location", "", "")
	out := fs.String("out", "", "")
	outDir := fs.String("out-dir", "", "")
	force := fs.Bool("force", false, "")
	field := fs.String("field", "", "")
	pdfPassStdin := fs.Bool("pdf-password-stdin", false, "")
	level := fs.String("level", "", "")
	files, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	switch {
	case len(files) == 0:
		return usageErrorf("sign: no PDF file given")
	case *account != "" && *p12 != "":
		return usageErrorf("sign: use either --p12 or --account, not both")
	case *p12 == "" && *account == "":
		return usageErrorf("sign: --p12 FILE or --account EMAIL is required")
	case !*passStdin && *account != "":
		return usageErrorf("sign: --passphrase-stdin is required: give the account's passphrase on the first line of standard input")
	case !*passStdin:
		return usageErrorf("sign: --passphrase-stdin is required: give the PKCS#12 password on the first line of standard input")
	case *out != "" && *outDir != "":
		return usageErrorf("sign: use either --out or --out-dir, not both")
	case *out != "" && len(files) > 1:
		return usageErrorf("sign: --out takes one input file; use --out-dir for several")
	case !*visible && (*rect != "" || *page != 0):
		return usageErrorf("sign: --page and --rect need --visible")
	case *visible && *rect == "" && *field == "":
		return usageErrorf("sign: --visible needs --rect X,Y,W,H (PDF points, origin bottom-left), or --field NAME of an empty signature field")
	}
	settings := authority.SignatureSettings{Reason: *reason, Location: *location, Invisible: !*visible}
	job := signjob.Job{Unqueued: true, Existing: signjob.Refuse}
	cfg, err := env.Config()
	if err != nil {
		return err
	}
	// A configured TSA is never skipped: without its token the document
	// is not signed (PAdES B-T or nothing).
	if job.TimeStamp, err = datadir.TimeStamper(cfg); err != nil {
		return err
	}
	// --level asks for a level, and a document that cannot reach it is not
	// signed; without it every document gets the highest level reachable
	// (B-LTA with a TSA and revocation data) and the output says which.
	if *level == "" {
		// IT's configuration may ask for a level for every signature.
		*level = cfg.SignatureLevel
	}
	if *level != "" {
		if job.Level, err = signjob.ParseLevel(*level); err != nil {
			return usageErrorf("sign: --level: %v", err)
		}
	} else {
		job.Level, job.BestEffort = signjob.LevelLTA, true
	}
	if job.LTV, err = ltvSources(env, cfg, nil); err != nil {
		return err
	}
	if *force {
		job.Existing = signjob.Replace
	}
	if *visible {
		// An existing empty field (--field) brings its own box.
		var r pdfsign.Rect
		if *rect != "" {
			if r, err = parseRect(*rect); err != nil {
				return err
			}
		}
		settings.Page = *page
		if *page == 0 {
			settings.Page = 1
		} else if *page < 0 {
			return usageErrorf("sign: --page must be 1 or more")
		}
		settings.Box = authority.Box{X: r.X, Y: r.Y, W: r.W, H: r.H}
		job.QR = cfg.VerificationURL
		// --p12 has no account: the default language words the stamp
		job.Labels = assets.StampLabels(assets.Languages[0])
	}
	password, pdfPassword, err := readPasswords(env.Stdin, *pdfPassStdin)
	if err != nil {
		return err
	}
	docs, err := documents(files, *out, *outDir)
	if err != nil {
		return err
	}
	for i := range docs {
		docs[i].Settings, docs[i].PDFPassword, docs[i].FieldName = settings, pdfPassword, *field
	}
	var res []signjob.Result
	if *account != "" {
		res, err = signWithAccount(env, *account, password, job, docs)
	} else {
		var key crypto.Signer
		if key, job.Chain, err = loadP12(*p12, password); err == nil {
			job.Key = key
			res = signjob.Run(context.Background(), job, docs)
		}
	}
	if err != nil {
		return err
	}
	failed := 0
	var last error
	notedB := false
	for i, in := range files {
		if err := res[i].Err; err != nil {
			if errors.Is(err, pdfsign.ErrExists) {
				err = fmt.Errorf("%w (use --force to replace it)", err)
			}
			last = fmt.Errorf("%s: %w", in, err)
			if errors.Is(err, pdfsign.ErrLTVIncomplete) || errors.Is(err, signjob.ErrLevel) {
				last = fmt.Errorf("%w (not signed: --level or signature_level asks for %s; without them the highest level reachable is made)", last, *level)
			}
			if errors.Is(err, timestamp.ErrUnreachable) {
				last = fmt.Errorf("%w (not signed: the configuration names this TSA; check the network or tsa_url)", last)
			}
			if errors.Is(err, pdfsign.ErrPasswordRequired) && !*pdfPassStdin {
				last = fmt.Errorf("%w (give it on the second line of standard input with --pdf-password-stdin)", last)
			}
			failed++
			if len(files) > 1 {
				fmt.Fprintf(env.Stderr, "besign: error: %s\n", last)
			}
			continue
		}
		r := res[i]
		switch {
		case r.Level == signjob.LevelB && *level == "":
			// The level of every signature before tsa_url existed: the
			// line stays as scripts know it, the reason goes to stderr once.
			if !notedB && r.LevelWhy != "" {
				notedB = true
				fmt.Fprintf(env.Stderr, "besign: note: signed at PAdES B-B: %s (tsa_url)\n", r.LevelWhy)
			}
			fmt.Fprintf(env.Stdout, "signed %s -> %s\n", in, r.Output)
		case r.LevelWhy != "":
			fmt.Fprintf(env.Stdout, "signed %s -> %s (PAdES %s: %s)\n", in, r.Output, r.Level, r.LevelWhy)
		default:
			fmt.Fprintf(env.Stdout, "signed %s -> %s (PAdES %s)\n", in, r.Output, r.Level)
		}
	}
	if failed == 1 && len(files) == 1 {
		return last
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d files not signed", failed, len(files))
	}
	return nil
}

// ltvSources is how validation material is had: the chains completed
// up to the roots besign trusts (the authority's, the trusted-roots
// folder's, extra), revocation data fetched as verify fetches it (the
// authority's own CRL read from the data dir).
func ltvSources(env *Env, cfg config.Config, extra []*x509.Certificate) (*pdfsign.LTV, error) {
	tr, err := verifytrust.Assemble(context.Background(), verifytrust.Sources{DataDir: env.DataDir, TrustedRoots: true, Config: &cfg, Roots: extra})
	if err != nil {
		return nil, err
	}
	return &pdfsign.LTV{Roots: tr.Roots, HTTPClient: tr.Client}, nil
}

// documents makes the job's documents: each file's output is --out, or
// signjob.SignedName beside the input or in --out-dir, the rule the app
// follows too. Two inputs may not share an output.
func documents(files []string, out, outDir string) ([]signjob.Document, error) {
	docs := make([]signjob.Document, len(files))
	seen := map[string]string{}
	for i, in := range files {
		dst := out
		if dst == "" {
			dst = signjob.SignedName(in, outDir)
		}
		if prev, ok := seen[filepath.Clean(dst)]; ok {
			return nil, usageErrorf("sign: %s and %s would both be written to %s", prev, in, dst)
		}
		seen[filepath.Clean(dst)] = in
		docs[i] = signjob.Document{Path: in, Output: dst}
	}
	return docs, nil
}

// signWithAccount signs the documents with the account's key, unlocked
// once: signjob signs them in parallel and their digests go to the
// authority in one SignDigests call. It returns a result per document, or
// err when nothing could start.
func signWithAccount(env *Env, email, passphrase string, job signjob.Job, docs []signjob.Document) ([]signjob.Result, error) {
	cfg, err := env.Config()
	if err != nil {
		return nil, err
	}
	local, err := datadir.Open(env.DataDir, cfg)
	if err != nil {
		return nil, err
	}
	defer local.Close()
	if w := warningText(local.Warning); w != "" {
		fmt.Fprintf(env.Stderr, "besign: warning: %s\n", w)
	}
	ctx := context.Background()
	a, ok := local.Authority.(accountSigner)
	if !ok {
		// A server signs only for a session opened with password and OTP.
		return nil, fmt.Errorf("sign --account: %w", ErrAccountNeedsEmbedded)
	}
	s, chain, err := accountChain(ctx, a, email)
	if err != nil {
		return nil, err
	}
	token := s.Token
	// the stamp speaks the account's language
	job.Labels = assets.StampLabels(string(s.Account.Language))
	defer local.Authority.SignOut(ctx, token)
	sign := signjob.WithAuthority(local.Authority, token, passphrase)
	job.Sign = func(ctx context.Context, digests [][]byte) ([][]byte, error) {
		sigs, err := sign(ctx, digests)
		return sigs, passphraseError(err)
	}
	job.Chain = chain
	res := signjob.Run(ctx, job, docs)
	recordHistory(env, history.Open(filepath.Join(env.DataDir, history.Folder)), s.Account.Email, docs, res)
	return res, nil
}

// recordHistory adds what was signed to the account's Riwayat, as the app
// does, so that a letter signed from a script shows in the app too (with
// absolute paths: the app does not run in the script's folder). The
// documents are signed whatever happens here: a failure is a warning.
func recordHistory(env *Env, book *history.Book, account string, docs []signjob.Document, res []signjob.Result) {
	now := time.Now()
	var es []history.Entry
	for i, r := range res {
		if r.Err != nil {
			continue
		}
		in, err := filepath.Abs(docs[i].Path)
		if err != nil {
			in = docs[i].Path
		}
		out, err := filepath.Abs(r.Output)
		if err != nil {
			out = r.Output
		}
		es = append(es, history.Entry{Input: in, Output: out, SignedAt: now})
	}
	if err := book.Add(account, es...); err != nil {
		fmt.Fprintf(env.Stderr, "besign: warning: the signing history (Riwayat) in %s could not be saved: %v; the documents are signed\n", book.Dir(), err)
	}
}

func parseRect(s string) (pdfsign.Rect, error) {
	parts := strings.Split(s, ",")
	if len(parts) != 4 {
		return pdfsign.Rect{}, usageErrorf("sign: --rect wants X,Y,W,H in PDF points, got %q", s)
	}
	var v [4]float64
	for i, p := range parts {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || f != f || f > 1e6 || f < -1e6 {
			return pdfsign.Rect{}, usageErrorf("sign: --rect wants X,Y,W,H in PDF points, got %q", s)
		}
		v[i] = f
	}
	if v[2] <= 0 || v[3] <= 0 {
		return pdfsign.Rect{}, usageErrorf("sign: --rect width and height must be positive")
	}
	return pdfsign.Rect{X: v[0], Y: v[1], W: v[2], H: v[3]}, nil
}

// readPasswords reads the PKCS#12 password from the first line of r and,
// with pdfPassword (--pdf-password-stdin), the PDF's password from the
// second.
func readPasswords(r io.Reader, pdfPassword bool) (string, string, error) {
	if r != nil {
		r = bufio.NewReader(r) // one buffer for both lines
	}
	p12, err := readPassword(r)
	if err != nil || !pdfPassword {
		return p12, "", err
	}
	pdf, err := readPassword(r)
	if err != nil {
		return "", "", errors.New("sign: --pdf-password-stdin: no PDF password on the second line of standard input")
	}
	return p12, pdf, nil
}

// readPassword reads the first line of r, without its line ending.
func readPassword(r io.Reader) (string, error) {
	if r == nil {
		return "", errors.New("sign: no password on standard input")
	}
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		return "", errors.New("sign: no password on standard input")
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func loadP12(path, password string) (crypto.Signer, []*x509.Certificate, error) {
	data, err := readBounded(path, maxP12Size, "a PKCS#12 file")
	if err != nil {
		return nil, nil, fmt.Errorf("read PKCS#12 file: %w", err)
	}
	key, cert, cas, err := pkcs12.DecodeChain(data, password)
	if errors.Is(err, pkcs12.ErrIncorrectPassword) {
		return nil, nil, fmt.Errorf("%s: wrong password for the PKCS#12 file", path)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("%s: not a usable PKCS#12 file: %v", path, err)
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, nil, fmt.Errorf("%s: the key in the PKCS#12 file cannot sign", path)
	}
	// The batch's signers stand for the certificate's key (pdfsign checks
	// that one), so a key that is not the certificate's is caught here.
	if pub, ok := signer.Public().(interface{ Equal(crypto.PublicKey) bool }); !ok || !pub.Equal(cert.PublicKey) {
		return nil, nil, fmt.Errorf("%s: %w", path, pdfsign.ErrKey)
	}
	return signer, append([]*x509.Certificate{cert}, cas...), nil
}
