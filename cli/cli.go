// Package cli is besign's command line: global flags, subcommand dispatch
// and the one-line error convention (exit 0 success, 1 failure, 2 usage).
// It never imports fyne; the desktop app is started through a callback so
// that scripting and IT commands work without a window system.
package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/natunakab/besign/authority/link"
	"github.com/natunakab/besign/config"
)

// Version is set at build time (-ldflags "-X .../cli.Version=...").
var Version = "0.1.0-dev"

// Env is what every subcommand gets.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// DataDir holds all local state: from --data-dir, BESIGN_DATA_DIR or the
	// per-user default. It may not exist yet.
	DataDir string
	// ConfigPath is --config, or "" for the system-wide file.
	ConfigPath string
	// Link is a besign:// link the desktop app is started with (the OS
	// starts "besign LINK" when one is clicked), or "".
	Link string
	// Files are the PDFs the desktop app is started with ("besign FILE...",
	// as the OS starts it to open PDFs with it), absolute paths.
	Files []string
}

// Config loads the configuration in force for this invocation.
func (e *Env) Config() (config.Config, error) {
	return config.Load(config.Paths{System: e.ConfigPath, DataDir: e.DataDir})
}

// usageError marks a mistake in the command line itself (exit status 2).
type usageError struct{ msg string }

func (u usageError) Error() string { return u.msg }

func usageErrorf(format string, a ...any) error {
	return usageError{fmt.Sprintf(format, a...)}
}

type command struct {
	name  string
	usage string
	run   func(env *Env, args []string) error
}

var commands []command

func register(c command) { commands = append(commands, c) }

func init() {
	register(command{"version", "besign version", runVersion})
}

const globalUsage = `usage: besign [--data-dir DIR] [--config FILE] [COMMAND [ARGS...] | besign://LINK | FILE.pdf...]

Without a command, starts the desktop app; with a besign:// link (from a
mail), opens it there; with PDF files (paths or file:// URIs), opens them
there: in the app already running on the data dir if any.

global options:
  --data-dir DIR   all local state (env BESIGN_DATA_DIR)
  --config FILE    IT configuration file (TOML) instead of the system-wide one

commands:
`

func printUsage(w io.Writer) {
	fmt.Fprint(w, globalUsage)
	for _, c := range commands {
		fmt.Fprintf(w, "  %s\n", c.usage)
	}
}

// Run parses args (without the program name) and runs a subcommand, or calls
// startGUI when there is none. It returns the process exit status.
func Run(args []string, stdin io.Reader, stdout, stderr io.Writer, startGUI func(*Env) error) int {
	env := &Env{Stdin: stdin, Stdout: stdout, Stderr: stderr}
	fs := flag.NewFlagSet("besign", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	dataDir := fs.String("data-dir", "", "")
	fs.StringVar(&env.ConfigPath, "config", "", "")
	help := fs.Bool("help", false, "")
	if err := fs.Parse(args); err != nil {
		return fail(env, usageErrorf("%v", err))
	}
	if *help {
		printUsage(stdout)
		return 0
	}
	dir, err := config.DataDir(*dataDir)
	if err != nil {
		return fail(env, err)
	}
	env.DataDir = dir

	rest := fs.Args()
	if len(rest) == 0 {
		return fail(env, startGUI(env))
	}
	name := rest[0]
	if len(name) > len(link.Scheme)+1 && strings.EqualFold(name[:len(link.Scheme)+1], link.Scheme+":") {
		if len(rest) > 1 {
			return fail(env, usageErrorf("unexpected argument %q after the link", rest[1]))
		}
		env.Link = name
		return fail(env, startGUI(env))
	}
	if name == "help" {
		printUsage(stdout)
		return 0
	}
	for _, c := range commands {
		if c.name == name {
			return fail(env, c.run(env, rest[1:]))
		}
	}
	if looksLikeFile(name) {
		files, err := fileArgs(rest)
		if err != nil {
			return fail(env, err)
		}
		env.Files = files
		return fail(env, startGUI(env))
	}
	return fail(env, usageErrorf("unknown command %q (see besign --help)", name))
}

// looksLikeFile tells an operand that names a file (the OS opening a PDF
// with the app) from a mistyped command: a file:// URI, a name ending in
// .pdf, a path with a separator, or an existing file.
func looksLikeFile(s string) bool {
	if scheme, _, ok := strings.Cut(s, "://"); ok && !hasFileScheme(s) && !strings.ContainsAny(scheme, `/\`) {
		return false // a URI of another kind
	}
	if hasFileScheme(s) || strings.HasSuffix(strings.ToLower(s), ".pdf") || strings.ContainsRune(s, filepath.Separator) || strings.ContainsRune(s, '/') {
		return true
	}
	st, err := os.Stat(s)
	return err == nil && st.Mode().IsRegular()
}

func hasFileScheme(s string) bool { return len(s) > 7 && strings.EqualFold(s[:7], "file://") }

// fileArgs turns the operands (paths or file:// URIs) into absolute paths
// of existing regular files.
func fileArgs(args []string) ([]string, error) {
	var out []string
	for _, a := range args {
		path := a
		if hasFileScheme(a) {
			u, err := url.Parse(a)
			if err != nil || (u.Host != "" && !strings.EqualFold(u.Host, "localhost")) || u.Path == "" {
				return nil, usageErrorf("%q is not a local file:// URI", a)
			}
			path = filepath.FromSlash(u.Path)
			if runtime.GOOS == "windows" && len(u.Path) > 2 && u.Path[0] == '/' && u.Path[2] == ':' {
				path = filepath.FromSlash(u.Path[1:]) // file:///C:/x.pdf
			}
		}
		abs, err := filepath.Abs(path)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", a, err)
		}
		st, err := os.Stat(abs)
		if err != nil {
			return nil, fmt.Errorf("cannot open %s: %w", a, errors.Unwrap(err))
		}
		if !st.Mode().IsRegular() {
			return nil, fmt.Errorf("cannot open %s: not a file", a)
		}
		out = append(out, abs)
	}
	return out, nil
}

// fail prints err in the one-line convention and returns the exit status.
func fail(env *Env, err error) int {
	if err == nil {
		return 0
	}
	msg := strings.ReplaceAll(err.Error(), "\n", " ")
	fmt.Fprintf(env.Stderr, "besign: error: %s\n", msg)
	var u usageError
	if errors.As(err, &u) {
		return 2
	}
	return 1
}

// newFlagSet returns a flag set for a subcommand that reports errors as
// usage errors instead of printing.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// parseFlags parses a subcommand's flags, allowing flags after operands
// (besign sign a.pdf --force), and returns the operands.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var operands []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, usageErrorf("%s: %v", fs.Name(), err)
		}
		args = fs.Args()
		if len(args) == 0 {
			return operands, nil
		}
		if args[0] == "--" {
			return append(operands, args[1:]...), nil
		}
		operands = append(operands, args[0])
		args = args[1:]
	}
}

func runVersion(env *Env, args []string) error {
	if len(args) > 0 {
		return usageErrorf("version takes no arguments")
	}
	fmt.Fprintf(env.Stdout, "besign %s\n", Version)
	return nil
}
