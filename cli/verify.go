package cli

import (
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"strings"

	"github.com/natunakab/besign/pdfsign"
)

func init() {
	register(command{"verify", "besign verify [--json] [--trust ROOT.pem]... FILE...", runVerify})
}

// multiFlag collects a repeatable flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(s string) error { *m = append(*m, s); return nil }

type verifyResult struct {
	File       string                  `json:"file"`
	Signatures []pdfsign.SignatureInfo `json:"signatures"`
	Error      string                  `json:"error,omitempty"`
}

func runVerify(env *Env, args []string) error {
	fs := newFlagSet("verify")
	asJSON := fs.Bool("json", false, "")
	var trust multiFlag
	fs.Var(&trust, "trust", "")
	files, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return usageErrorf("verify: no PDF file given")
	}
	var roots *x509.CertPool
	if len(trust) > 0 {
		roots = x509.NewCertPool()
		for _, path := range trust {
			if err := addPEM(roots, path); err != nil {
				return err
			}
		}
	}
	results := make([]verifyResult, 0, len(files))
	bad := 0
	for _, f := range files {
		r := verifyResult{File: f, Signatures: []pdfsign.SignatureInfo{}}
		infos, err := pdfsign.VerifyFile(f, roots)
		if err != nil {
			r.Error = err.Error()
			bad++
		} else {
			r.Signatures = append(r.Signatures, infos...)
			if len(infos) == 0 {
				bad++
			}
			for _, s := range infos {
				// With --trust, an untrusted signer fails the check too.
				if s.Integrity != pdfsign.Valid || (roots != nil && !s.Trusted) {
					bad++
					break
				}
			}
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
			printHuman(env, r, roots != nil)
		}
	}
	if bad > 0 {
		return fmt.Errorf("%d of %d files failed verification (unreadable, unsigned, invalid or untrusted signature)", bad, len(files))
	}
	return nil
}

func printHuman(env *Env, r verifyResult, haveRoots bool) {
	w := env.Stdout
	fmt.Fprintf(w, "%s:\n", r.File)
	if r.Error != "" {
		fmt.Fprintf(w, "  error: %s\n", r.Error)
		return
	}
	if len(r.Signatures) == 0 {
		fmt.Fprintf(w, "  no signatures\n")
		return
	}
	for i, s := range r.Signatures {
		fmt.Fprintf(w, "  signature %d (field %s)\n", i+1, s.Field)
		fmt.Fprintf(w, "    signer:       %s\n", s.Signer)
		if s.SigningTime != "" {
			fmt.Fprintf(w, "    signed at:    %s\n", s.SigningTime)
		}
		if s.Reason != "" {
			fmt.Fprintf(w, "    reason:       %s\n", s.Reason)
		}
		if s.Location != "" {
			fmt.Fprintf(w, "    location:     %s\n", s.Location)
		}
		fmt.Fprintf(w, "    type:         %s\n", s.SubFilter)
		fmt.Fprintf(w, "    integrity:    %s\n", s.Integrity)
		switch {
		case s.CoversWholeDocument:
			fmt.Fprintf(w, "    coverage:     whole document\n")
		case s.ModifiedAfterSigning:
			fmt.Fprintf(w, "    coverage:     modified after signing (later changes are not covered)\n")
		}
		switch {
		case s.Trusted:
			fmt.Fprintf(w, "    trusted:      yes\n")
		case !haveRoots:
			fmt.Fprintf(w, "    trusted:      unknown (give the issuing root with --trust ROOT.pem)\n")
		default:
			fmt.Fprintf(w, "    trusted:      no\n")
		}
		if s.Problem != "" && (s.Integrity != pdfsign.Valid || haveRoots) {
			fmt.Fprintf(w, "    problem:      %s\n", s.Problem)
		}
	}
}

func addPEM(pool *x509.CertPool, path string) error {
	data, err := readBounded(path, maxTrustSize, "a PEM certificate file")
	if err != nil {
		return fmt.Errorf("read trusted root: %w", err)
	}
	n := 0
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return fmt.Errorf("%s: bad certificate: %v", path, err)
		}
		pool.AddCert(c)
		n++
	}
	if n == 0 {
		return fmt.Errorf("%s: no PEM certificate found", path)
	}
	return nil
}
