package cli

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/natunakab/besign/docprep"
)

// `besign prepare`: a document's pages put right before anyone signs it
// (docprep); every result is a new file, NAME_prepared.pdf, beside the
// input.

func init() {
	register(command{"prepare", "besign prepare check FILE... | repair FILE | merge FILE FILE... | remove --pages N,... FILE | rotate [--pages N,...] --degrees 90|180|270|-90 FILE | order --pages N,... FILE", runPrepare})
}

const prepareUsage = "prepare: which? check FILE... | repair FILE | merge FILE FILE... | remove --pages N,... FILE | rotate [--pages N,...] --degrees D FILE | order --pages N,... FILE"

func runPrepare(env *Env, args []string) error {
	if len(args) == 0 {
		return usageErrorf(prepareUsage)
	}
	name, args := args[0], args[1:]
	fs := newFlagSet("prepare " + name)
	pagesFlag := fs.String("pages", "", "")
	degrees := fs.Int("degrees", 0, "")
	files, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	pages, err := pageList(*pagesFlag)
	if err != nil {
		return err
	}
	one := func() (string, error) {
		if len(files) != 1 {
			return "", usageErrorf("prepare %s: give exactly one PDF file", name)
		}
		return files[0], nil
	}
	var out string
	switch name {
	case "check":
		if len(files) == 0 {
			return usageErrorf("prepare check: no PDF file given")
		}
		return prepareCheck(env, files)
	case "repair":
		in, err := one()
		if err != nil {
			return err
		}
		out, err = docprep.Repair(in)
		if err != nil {
			return fmt.Errorf("prepare repair: %w", err)
		}
	case "merge":
		if len(files) < 2 {
			return usageErrorf("prepare merge: give two PDF files or more, in the order wanted")
		}
		if out, err = docprep.Merge(files); err != nil {
			return fmt.Errorf("prepare merge: %w", err)
		}
	case "remove", "order":
		in, err := one()
		if err != nil {
			return err
		}
		if len(pages) == 0 {
			return usageErrorf("prepare %s: give --pages N,...", name)
		}
		if name == "remove" {
			out, err = docprep.RemovePages(in, pages)
		} else {
			out, err = docprep.Reorder(in, pages)
		}
		if err != nil {
			return fmt.Errorf("prepare %s: %w", name, err)
		}
	case "rotate":
		in, err := one()
		if err != nil {
			return err
		}
		if *degrees == 0 {
			return usageErrorf("prepare rotate: give --degrees 90, 180, 270 or -90")
		}
		if out, err = docprep.Rotate(in, pages, *degrees); err != nil {
			return fmt.Errorf("prepare rotate: %w", err)
		}
	default:
		return usageErrorf("prepare: unknown command %q", name)
	}
	fmt.Fprintln(env.Stdout, out)
	return nil
}

// prepareCheck prints one line per file; any file that is not OK fails
// the command.
func prepareCheck(env *Env, files []string) error {
	bad := 0
	for _, f := range files {
		r, err := docprep.Check(f)
		switch {
		case err != nil:
			bad++
			fmt.Fprintf(env.Stdout, "%s: cannot be read: %v\n", f, err)
		case !r.OK():
			bad++
			fmt.Fprintf(env.Stdout, "%s: damaged: %s (besign prepare repair writes a clean copy)\n", f, r.Problem)
		default:
			fmt.Fprintf(env.Stdout, "%s: OK, %d pages\n", f, r.Pages)
		}
		if err == nil && r.Signed {
			fmt.Fprintf(env.Stdout, "%s: signed: preparing it would break its signatures\n", f)
		}
	}
	if bad > 0 {
		return fmt.Errorf("prepare check: %d of %d files are damaged or unreadable", bad, len(files))
	}
	return nil
}

// pageList reads "1,3,5" (1-based page numbers).
func pageList(s string) ([]int, error) {
	if s == "" {
		return nil, nil
	}
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, usageErrorf("prepare: --pages: %q is not a page number (1, 2, ...)", f)
		}
		out = append(out, n)
	}
	return out, nil
}
