package cli

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/natunakab/besign/internal/trustedroots"
	"github.com/natunakab/besign/pdfsign"
	"github.com/natunakab/besign/verifytrust"
)

func init() {
	register(command{"verify", "besign verify [--json] [--offline] [--pdf-password-stdin] [--trust ROOT.pem]... FILE...", runVerify})
}

// multiFlag collects a repeatable flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(s string) error { *m = append(*m, s); return nil }

type verifyResult struct {
	File       string                  `json:"file"`
	Signatures []pdfsign.SignatureInfo `json:"signatures"`
	// Valid: the file has at least one signature and all are valid.
	Valid bool   `json:"valid"`
	Error string `json:"error,omitempty"`
}

func runVerify(env *Env, args []string) error {
	fs := newFlagSet("verify")
	asJSON := fs.Bool("json", false, "")
	offline := fs.Bool("offline", false, "")
	pdfPassStdin := fs.Bool("pdf-password-stdin", false, "")
	var trust multiFlag
	fs.Var(&trust, "trust", "")
	files, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return usageErrorf("verify: no PDF file given")
	}
	var roots []*x509.Certificate
	for _, path := range trust {
		certs, err := readRoots(path)
		if err != nil {
			return err
		}
		roots = append(roots, certs...)
	}
	// The password of protected PDFs is the first line of standard input,
	// never an argument (arguments show in process lists).
	password := ""
	if *pdfPassStdin {
		if password, err = readPassword(env.Stdin); err != nil {
			return errors.New("verify: --pdf-password-stdin: no PDF password on standard input")
		}
	}
	// The authority's own CRL is read from the data dir (--offline too); a
	// configuration that cannot be read only loses it. Only the --trust
	// roots are trusted.
	src := verifytrust.Sources{DataDir: env.DataDir, Roots: roots, Offline: *offline}
	if cfg, err := env.Config(); err == nil {
		src.Config = &cfg
	}
	tr, err := verifytrust.Assemble(context.Background(), src)
	if err != nil {
		return err
	}
	results := make([]verifyResult, 0, len(files))
	bad := 0
	for _, f := range files {
		r := verifyResult{File: f, Signatures: []pdfsign.SignatureInfo{}}
		infos, err := pdfsign.VerifyFileWith(f, tr.Options(password))
		switch {
		case errors.Is(err, pdfsign.ErrPasswordRequired):
			r.Error = "the PDF is protected by a password; to verify it, give the password on standard input with --pdf-password-stdin"
		case errors.Is(err, pdfsign.ErrWrongPassword):
			r.Error = "wrong PDF password: the file could not be opened to verify it"
		case err != nil:
			r.Error = err.Error()
		default:
			r.Signatures = append(r.Signatures, infos...)
			r.Valid = pdfsign.AllValid(infos)
		}
		if !r.Valid {
			bad++
		}
		results = append(results, r)
	}
	if *asJSON {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(results); err != nil {
			return err
		}
	} else {
		for _, r := range results {
			printHuman(env, r, tr.Roots != nil)
		}
	}
	if bad > 0 {
		return fmt.Errorf("%d of %d files failed verification (unreadable, unsigned, or a signature that is not valid)", bad, len(files))
	}
	return nil
}

// bottomLine is one sentence about one signature: valid or not, and why.
func bottomLine(i int, s pdfsign.SignatureInfo, haveRoots bool) string {
	what := "Signature"
	if s.Kind == pdfsign.KindDocumentTimestamp {
		what = "Document timestamp"
	}
	who := ""
	if s.Signer != "" {
		who = " by " + s.Signer
	}
	if !s.Valid {
		return fmt.Sprintf("%s %d%s is NOT valid: %s.", what, i, who, strings.TrimSuffix(s.Problem, "."))
	}
	since := map[string]string{
		pdfsign.ModNone:        "the document has not been changed since",
		pdfsign.ModSignatures:  "since then only signatures, timestamps or validation data were added",
		pdfsign.ModFormFill:    "since then form fields were filled in",
		pdfsign.ModAnnotations: "since then comments or other annotations were added",
	}[s.Modifications]
	trust := ""
	if !haveRoots {
		trust = " (the signer's identity was not checked: give the issuing root with --trust ROOT.pem)"
	}
	level := ""
	if s.Level != "" {
		level = " (PAdES " + s.Level + ")"
	}
	return fmt.Sprintf("%s %d%s is valid%s; %s%s.", what, i, who, level, since, trust)
}

// levelMeanings says what each PAdES level gives the reader of the
// document.
var levelMeanings = map[string]string{
	pdfsign.LevelBB:   "no trusted timestamp: it verifies only while the certificate is valid",
	pdfsign.LevelBT:   "a trusted timestamp proves when it was signed",
	pdfsign.LevelBLT:  "timestamped, and the document holds the certificates and revocation data: it verifies offline, also after the certificate expires",
	pdfsign.LevelBLTA: "as B-LT, and a document timestamp protects the validation data",
}

func printHuman(env *Env, r verifyResult, haveRoots bool) {
	w := env.Stdout
	switch {
	case r.Error != "":
		fmt.Fprintf(w, "%s: NOT VERIFIED: %s\n", r.File, r.Error)
		return
	case len(r.Signatures) == 0:
		fmt.Fprintf(w, "%s: NOT VALID: the file has no signatures\n", r.File)
		return
	case r.Valid:
		fmt.Fprintf(w, "%s: VALID\n", r.File)
	default:
		fmt.Fprintf(w, "%s: NOT VALID\n", r.File)
	}
	for i, s := range r.Signatures {
		fmt.Fprintf(w, "  %s\n", bottomLine(i+1, s, haveRoots))
	}
	for i, s := range r.Signatures {
		fmt.Fprintf(w, "  signature %d (field %s)\n", i+1, s.Field)
		fmt.Fprintf(w, "    signer:        %s\n", s.Signer)
		switch {
		case s.Timestamp != "":
			// The token's time is the signing time and the validation
			// time; the signer's own clock is shown apart.
			fmt.Fprintf(w, "    signed at:     %s (timestamp by %s, the validation time)\n", s.Timestamp, s.TimestampAuthority)
			if s.ClaimedSigningTime != "" {
				fmt.Fprintf(w, "    signer's clock: %s (the signer's claim)\n", s.ClaimedSigningTime)
			}
		case s.SigningTime != "":
			fmt.Fprintf(w, "    signed at:     %s (the signer's claim)\n", s.SigningTime)
		}
		if s.ValidationTime != "" {
			fmt.Fprintf(w, "    validated at:  %s\n", s.ValidationTime)
		}
		if s.Level != "" {
			fmt.Fprintf(w, "    level:         %s (%s)\n", s.Level, levelMeanings[s.Level])
		}
		if s.Reason != "" {
			fmt.Fprintf(w, "    reason:        %s\n", s.Reason)
		}
		if s.Location != "" {
			fmt.Fprintf(w, "    location:      %s\n", s.Location)
		}
		fmt.Fprintf(w, "    type:          %s\n", s.SubFilter)
		fmt.Fprintf(w, "    integrity:     %s\n", s.Integrity)
		switch {
		case s.CoversWholeDocument:
			fmt.Fprintf(w, "    coverage:      whole document\n")
		case s.ModifiedAfterSigning:
			fmt.Fprintf(w, "    coverage:      later updates follow the signed revision\n")
		}
		fmt.Fprintf(w, "    modifications: %s\n", s.Modifications)
		switch {
		case s.Trusted:
			fmt.Fprintf(w, "    trusted:       yes\n")
		case !haveRoots:
			fmt.Fprintf(w, "    trusted:       unknown (give the issuing root with --trust ROOT.pem)\n")
		default:
			fmt.Fprintf(w, "    trusted:       no\n")
		}
		switch {
		case s.RevokedAt != "":
			fmt.Fprintf(w, "    revocation:    %s on %s\n", s.Revocation, s.RevokedAt)
		case s.Revocation != "":
			fmt.Fprintf(w, "    revocation:    %s\n", s.Revocation)
		}
		if s.Problem != "" {
			fmt.Fprintf(w, "    problem:       %s\n", s.Problem)
		}
		for _, warn := range s.Warnings {
			if !haveRoots && strings.HasPrefix(warn, "trust not checked") {
				continue // the trusted line says it
			}
			fmt.Fprintf(w, "    note:          %s\n", warn)
		}
	}
}

// readRoots reads the certificates of path (PEM, one or several, or DER).
func readRoots(path string) ([]*x509.Certificate, error) {
	data, err := readBounded(path, maxTrustSize, "a PEM certificate file")
	if err != nil {
		return nil, fmt.Errorf("read trusted root: %w", err)
	}
	certs, err := trustedroots.ParseCertificates(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return certs, nil
}
