package cli

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/natunakab/besign/datadir"
	"github.com/natunakab/besign/pdfsign"
	"github.com/natunakab/besign/signjob"
)

func init() {
	register(command{"extend", "besign extend [--level B-LT|B-LTA] [--renew-within DAYS] [--trust CERT.pem]... FILE...|FOLDER...", runExtend})
}

// runExtend adds the validation material (B-LT) and a new document
// timestamp (B-LTA, with a TSA) to signed PDFs, ours or others', each in
// one update written through a temporary file renamed over the original:
// IT runs it over an archive folder before the last document timestamp's
// TSA certificate expires.
func runExtend(env *Env, args []string) error {
	fset := newFlagSet("extend")
	level := fset.String("level", "", "")
	renew := fset.Int("renew-within", -1, "")
	var trust multiFlag
	fset.Var(&trust, "trust", "")
	paths, err := parseFlags(fset, args)
	if err != nil {
		return err
	}
	if len(paths) == 0 {
		return usageErrorf("extend: no PDF file or folder given")
	}
	if *renew < -1 {
		return usageErrorf("extend: --renew-within takes a number of days, 0 or more")
	}
	want := signjob.LevelLTA
	if *level != "" {
		if want, err = signjob.ParseLevel(*level); err != nil || (want != signjob.LevelLT && want != signjob.LevelLTA) {
			return usageErrorf("extend: --level takes B-LT or B-LTA")
		}
	}
	var extra []*x509.Certificate
	for _, path := range trust {
		certs, err := readRoots(path)
		if err != nil {
			return err
		}
		extra = append(extra, certs...)
	}
	cfg, err := env.Config()
	if err != nil {
		return err
	}
	src, err := ltvSources(env, cfg, extra)
	if err != nil {
		return err
	}
	l := *src
	l.Certs, l.Cache, l.Required = extra, &pdfsign.FetchCache{}, *level != ""
	stamp, err := datadir.TimeStamper(cfg)
	if err != nil {
		return err
	}
	if want == signjob.LevelLTA {
		if stamp == nil {
			if *level != "" {
				return fmt.Errorf("extend: %w: B-LTA needs a time-stamping authority (tsa_url or the server's)", signjob.ErrLevel)
			}
			fmt.Fprintln(env.Stderr, "besign: note: no time-stamping authority is configured (tsa_url): validation material only (B-LT), no document timestamp")
		} else {
			l.DocTimeStamp = func(d []byte) ([]byte, error) { return stamp(context.Background(), d) }
		}
	}
	files, explicit, err := extendInputs(paths)
	if err != nil {
		return err
	}
	// With --renew-within, a document whose newest archive timestamp stays
	// renewable longer than that is left as it is: a yearly run grows only
	// the documents that need it.
	keepUntil := time.Now().AddDate(0, 0, *renew)
	failed, done := 0, 0
	var last error
	for _, f := range files {
		if *renew >= 0 {
			if exp, ok, err := pdfsign.ArchiveExpiry(f, ""); err == nil && ok && exp.After(keepUntil) {
				fmt.Fprintf(env.Stdout, "kept %s (its document timestamp is renewable until %s)\n", f, exp.Format("2006-01-02"))
				continue
			}
		}
		res, err := pdfsign.ExtendFile(f, f, l)
		if errors.Is(err, pdfsign.ErrUnsigned) && !explicit[f] {
			// A folder's unsigned documents are not the archive's business.
			fmt.Fprintf(env.Stdout, "skipped %s (no signature)\n", f)
			continue
		}
		if err != nil {
			failed++
			last = fmt.Errorf("%s: %w", f, err)
			fmt.Fprintf(env.Stderr, "besign: error: %s\n", last)
			continue
		}
		done++
		fmt.Fprintf(env.Stdout, "extended %s (%s)\n", f, extendedLevel(res, l.DocTimeStamp != nil))
	}
	if failed == 1 && len(files) == 1 {
		return last
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d files not extended", failed, failed+done)
	}
	return nil
}

// extendedLevel words what ExtendFile added.
func extendedLevel(r *pdfsign.LTVResult, docTS bool) string {
	switch {
	case !r.Complete():
		return "validation material without revocation data for " + strings.Join(r.Unchecked, "; ")
	case r.DocTimeStamp:
		return "validation material and a document timestamp: B-LTA"
	case docTS && r.DocTimeStampErr != nil:
		return "validation material: B-LT; no document timestamp: " + r.DocTimeStampErr.Error()
	}
	return "validation material: B-LT"
}

// extendInputs lists the PDFs named or found (recursively) in the folders
// named, in order; explicit marks those named.
func extendInputs(paths []string) ([]string, map[string]bool, error) {
	var files []string
	explicit := map[string]bool{}
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, nil, fmt.Errorf("extend: %w", err)
		}
		if !st.IsDir() {
			files = append(files, p)
			explicit[p] = true
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			name := d.Name()
			// Temporary outputs of a running or dead besign are not
			// documents.
			if d.Type().IsRegular() && strings.EqualFold(filepath.Ext(name), ".pdf") && !strings.HasPrefix(name, ".besign-") {
				files = append(files, path)
			}
			return nil
		})
		if err != nil {
			return nil, nil, fmt.Errorf("extend: %w", err)
		}
	}
	return files, explicit, nil
}
