// Package config loads BeSign's configuration: built-in defaults, then the
// system-wide file IT ships, then the per-user file (user-level keys only),
// and resolves the per-user data directory.
package config

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/natunakab/besign/authority/embedded"
)

// Config is the configuration in force. Field tags name the TOML keys.
type Config struct {
	// Instansi is the organisation, shown in the app and on certificates.
	Instansi string `toml:"instansi"`
	// EmailDomain is the domain whose addresses may register themselves.
	EmailDomain string `toml:"email_domain"`
	// SelfRegistration lets people of EmailDomain create their own account.
	SelfRegistration bool `toml:"self_registration"`
	// DirectoryPath is the employee directory (CSV) used for NIP checks.
	DirectoryPath string `toml:"directory_path"`
	// Authority is "embedded" (SQLite in the data dir) or an https URL.
	Authority string `toml:"authority"`
	// ServerCA is a PEM file of the root(s) that vouch for the authority
	// server's TLS certificate, for an organisation's private CA; empty
	// trusts the system's roots.
	ServerCA string `toml:"server_ca"`
	// Language is the default language of the app: "id" or "en".
	Language string `toml:"language"`
	// Theme is the app's look: "light" (the default, as the seeds' pages
	// are) or "dark".
	Theme string `toml:"theme"`
	// VerificationURL is printed in the QR code of visible signatures.
	VerificationURL string `toml:"verification_url"`
	// TSAURL names an RFC 3161 time-stamping authority (http or https):
	// every signature then carries its token (PAdES B-T), and signing
	// fails when it cannot be reached. Empty: the organisation server's
	// own TSA when Authority is a URL, else none (see TimeStampURL).
	TSAURL string `toml:"tsa_url"`
	// SignatureLevel is the PAdES level besign sign asks for without
	// --level: "B-B", "B-T", "B-LT" or "B-LTA", and a document that cannot
	// reach it is not signed. Empty: the highest level reachable.
	SignatureLevel string `toml:"signature_level"`
	// AutoApproveActivations approves activations without a verifier.
	AutoApproveActivations bool `toml:"auto_approve_activations"`
	// ResetLinkLifetime is how long a password reset link stays valid.
	ResetLinkLifetime Duration `toml:"reset_link_lifetime"`
	// AllowPlainMasterKey lets the embedded authority keep its master key in
	// a plain 0600 file in the data dir when no OS keyring can be used.
	AllowPlainMasterKey bool    `toml:"allow_plain_master_key"`
	Lockout             Lockout `toml:"lockout"`
	// Passphrase suspends a certificate after wrong passphrases.
	Passphrase Passphrase `toml:"passphrase"`
	SMTP       SMTP       `toml:"smtp"`
	// BSrE is the agency's Esign Client Service, used by `besign serve`
	// when server.signer is "bsre".
	BSrE BSrE `toml:"bsre"`
	// Server configures `besign serve`; the desktop app ignores it.
	Server Server `toml:"server"`

	// Files lists the files that were read, in order; not a TOML key.
	Files []string `toml:"-"`
}

// Lockout is the brute-force protection; see authority.LockoutPolicy.
type Lockout struct {
	FailureFactor     int      `toml:"failure_factor"`
	WaitIncrement     Duration `toml:"wait_increment"`
	MaxWait           Duration `toml:"max_wait"`
	QuickLoginCheck   Duration `toml:"quick_login_check"`
	MinQuickLoginWait Duration `toml:"min_quick_login_wait"`
}

// Passphrase is the suspension after wrong passphrases; see
// authority.PassphrasePolicy.
type Passphrase struct {
	MaxFailures   int      `toml:"max_failures"`
	Suspension    Duration `toml:"suspension"`
	MaxSuspension Duration `toml:"max_suspension"`
}

// SMTP, when Host is set, makes the authority send its mail for real.
type SMTP struct {
	Host     string `toml:"host"`
	Port     int    `toml:"port"`
	Username string `toml:"username"`
	Password string `toml:"password"`
	// PasswordFile holds the password instead of the file itself, readable
	// by its owner only (`besign serve` refuses smtp.password).
	PasswordFile string `toml:"password_file"`
	// CAFile holds the PEM certificates that verify the mail server's
	// TLS certificate instead of the system's roots (`besign serve`).
	CAFile string `toml:"ca_file"`
	From   string `toml:"from"`
	// TLS is "starttls" (default), "tls" or "none".
	TLS string `toml:"tls"`
}

// Server is the organisation server's part of the file. Its secrets are
// never in the file itself: it names the files that hold them, readable by
// the server's user only.
type Server struct {
	// Listen is the TCP address to serve HTTPS on (default ":8443").
	Listen string `toml:"listen"`
	// TLSCert and TLSKey are the server's certificate chain and key (PEM).
	TLSCert string `toml:"tls_cert"`
	TLSKey  string `toml:"tls_key"`
	// Database is the authority's database: a SQLite file (absolute path),
	// or PostgreSQL as a connection string (postgres://... or
	// "host=/run/postgresql dbname=besign"), see IsPostgres.
	Database string `toml:"database"`
	// MasterKeyFile holds the master key: 64 hexadecimal digits.
	MasterKeyFile string `toml:"master_key_file"`
	// AdminKeyFile, when set, holds the key that opens the administration
	// routes over the network; without it they refuse everybody.
	AdminKeyFile string `toml:"admin_key_file"`
	// PublicURL is the server's address as mail readers reach it
	// (https://besign.example): links in mail open its /buka page, which
	// hands them to the app. Empty: mail carries besign:// links only. It
	// is also where certificates name the CRL and OCSP, unless
	// RevocationURL says otherwise.
	PublicURL string `toml:"public_url"`
	// RevocationURL is the address written into the certificates issued
	// for their CRL (RevocationURL/besign-ca.crl) and OCSP
	// (RevocationURL/ocsp); http:// suits RevocationListen, which
	// verifiers reach without trusting the server's TLS certificate.
	// Empty: PublicURL; both empty: certificates name no server.
	RevocationURL string `toml:"revocation_url"`
	// RevocationListen, when set, also serves the CRL and OCSP (and only
	// them) over plain HTTP on this address: signed answers need no TLS,
	// and verifiers need not trust the server's TLS certificate.
	RevocationListen string `toml:"revocation_listen"`
	// MetricsListen is the TCP address of the Prometheus metrics
	// (/metrics, plain HTTP: bind it to loopback or an internal network);
	// empty: no metrics.
	MetricsListen string `toml:"metrics_listen"`
	// KDFWorkers bounds the passphrase key derivations run at once
	// (128 MiB each); more clients queue.
	KDFWorkers int `toml:"kdf_workers"`
	// RateLimitPerAddress and RateLimitPerAccount bound the requests per
	// minute of one client address, and naming one account; 0: no bound.
	RateLimitPerAddress int `toml:"rate_limit_per_address"`
	RateLimitPerAccount int `toml:"rate_limit_per_account"`
	// RateLimitMailPerHour bounds the requests per hour that mail one
	// account (registration, reset, forgotten passphrase); 0: no bound.
	RateLimitMailPerHour int `toml:"rate_limit_mail_per_hour"`
	// Signer is who signs: "" or "ca" (the organisation's own CA signs
	// digests; documents stay on the laptops), or "bsre" (documents are
	// forwarded to the agency's BSrE Esign Client Service, [bsre]).
	Signer string `toml:"signer"`
	// TSAPolicy is the policy object identifier written in the TSA's
	// tokens (dotted, "1.3.6.1.4.1.99999.1"); empty: the project's own,
	// 2.25.<UUID>, whose arc Go-based readers such as pdfcpu cannot parse.
	TSAPolicy string `toml:"tsa_policy"`
}

// Duration is a time.Duration written as "24h" or "90s" in TOML.
type Duration struct{ time.Duration }

func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("not a duration like \"24h\" or \"90s\": %q", b)
	}
	if v < 0 {
		return fmt.Errorf("duration must not be negative: %q", b)
	}
	d.Duration = v
	return nil
}

func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// String writes the duration as one would in the file: "24h", "1m30s".
func (d Duration) String() string {
	s := d.Duration.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// Default is the configuration of a standalone install. The account rules
// (domain, self-registration, reset link, lockout) take the authority's own
// defaults, so that they are written once.
func Default() Config {
	a := embedded.DefaultOptions()
	return Config{
		Instansi:          "Pemerintah Kabupaten Natuna",
		EmailDomain:       a.EmailDomain,
		SelfRegistration:  a.SelfRegistration,
		Authority:         "embedded",
		Language:          "id",
		Theme:             "light",
		VerificationURL:   "https://besign.natunakab.go.id/verifikasi",
		ResetLinkLifetime: Duration{a.ResetLinkLifetime},
		Lockout: Lockout{
			FailureFactor:     a.Lockout.FailureFactor,
			WaitIncrement:     Duration{a.Lockout.WaitIncrement},
			MaxWait:           Duration{a.Lockout.MaxWait},
			QuickLoginCheck:   Duration{a.Lockout.QuickLoginCheck},
			MinQuickLoginWait: Duration{a.Lockout.MinQuickLoginWait},
		},
		Passphrase: Passphrase{
			MaxFailures:   a.Passphrase.MaxFailures,
			Suspension:    Duration{a.Passphrase.Suspension},
			MaxSuspension: Duration{a.Passphrase.MaxSuspend},
		},
		SMTP: SMTP{Port: 587, TLS: "starttls"},
		Server: Server{Listen: ":8443", KDFWorkers: 4, RateLimitPerAddress: 600, RateLimitPerAccount: 60,
			RateLimitMailPerHour: 10},
	}
}

// userKeys are the only keys a per-user file may set.
var userKeys = map[string]bool{"language": true, "theme": true}

// Paths says where to look. An empty System means the platform's
// system-wide file; a missing system or user file is not an error, but a
// System path given explicitly (--config) must exist.
type Paths struct {
	System  string
	DataDir string
}

// SystemPath is where IT puts the configuration.
func SystemPath() string {
	if runtime.GOOS == "windows" {
		pd := os.Getenv("ProgramData")
		if pd == "" {
			pd = `C:\ProgramData`
		}
		return filepath.Join(pd, "BeSign", "config.toml")
	}
	return "/etc/besign/config.toml"
}

// UserPath is the per-user file inside the data dir.
func UserPath(dataDir string) string { return filepath.Join(dataDir, "config.toml") }

// UserSettings are the per-user keys the app changes (its Tampilan menu).
type UserSettings struct {
	Language string `toml:"language,omitempty"`
	Theme    string `toml:"theme,omitempty"`
}

// SaveUser sets the non-empty values of s in the per-user file of dataDir,
// keeping the other key there. The file is replaced whole (a temporary file
// renamed over it), so a crash leaves the old one or the new one.
func SaveUser(dataDir string, s UserSettings) error {
	path := UserPath(dataDir)
	var cur UserSettings
	if data, err := readBounded(path); err == nil {
		// a file Load refused is replaced: the app started without it
		_, _ = toml.Decode(string(data), &cur)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("configuration %s: %w", path, err)
	}
	if s.Language != "" {
		cur.Language = s.Language
	}
	if s.Theme != "" {
		cur.Theme = s.Theme
	}
	check := Default()
	if cur.Language != "" {
		check.Language = cur.Language
	}
	if cur.Theme != "" {
		check.Theme = cur.Theme
	}
	if err := check.check(); err != nil {
		return fmt.Errorf("configuration %s: %w", path, err)
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return fmt.Errorf("configuration %s: %w", path, err)
	}
	tmp, err := os.CreateTemp(dataDir, ".config-*.toml")
	if err != nil {
		return fmt.Errorf("configuration %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if err := toml.NewEncoder(tmp).Encode(cur); err != nil {
		tmp.Close()
		return fmt.Errorf("configuration %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("configuration %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("configuration %s: %w", path, err)
	}
	return nil
}

// Load reads the defaults, the system file and the user file.
func Load(p Paths) (Config, error) {
	cfg := Default()
	system, explicit := p.System, p.System != ""
	if !explicit {
		system = SystemPath()
	}
	if err := loadFile(&cfg, system, explicit, nil); err != nil {
		return Config{}, err
	}
	if p.DataDir != "" {
		if err := loadFile(&cfg, UserPath(p.DataDir), false, userKeys); err != nil {
			return Config{}, err
		}
	}
	if err := cfg.check(); err != nil {
		return Config{}, fmt.Errorf("configuration %s: %w", strings.Join(cfg.Files, ", "), err)
	}
	return cfg, nil
}

// loadFile decodes path over cfg. allowed, when not nil, limits the keys.
func loadFile(cfg *Config, path string, mustExist bool, allowed map[string]bool) error {
	data, err := readBounded(path)
	if errors.Is(err, fs.ErrNotExist) && !mustExist {
		return nil
	}
	if err != nil {
		return fmt.Errorf("configuration %s: %w", path, err)
	}
	// Decode into a copy first so a bad file changes nothing.
	next := *cfg
	md, err := toml.Decode(string(data), &next)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			key := ""
			if len(pe.LastKey) > 0 {
				key = fmt.Sprintf(", key %q", pe.LastKey)
			}
			return fmt.Errorf("configuration %s: line %d%s: %s", path, pe.Position.Line, key, pe.Message)
		}
		return fmt.Errorf("configuration %s: %w", path, err)
	}
	if undecoded := md.Undecoded(); len(undecoded) > 0 {
		return fmt.Errorf("configuration %s: unknown key %q", path, undecoded[0].String())
	}
	if allowed != nil {
		for _, k := range md.Keys() {
			if !allowed[k.String()] {
				return fmt.Errorf("configuration %s: key %q may only be set by IT in %s", path, k.String(), SystemPath())
			}
		}
	}
	// Check here, while the file's text is at hand to name the line.
	if err := next.check(); err != nil {
		var ke *keyError
		if errors.As(err, &ke) {
			if line := keyLine(string(data), ke.key); line > 0 {
				return fmt.Errorf("configuration %s: line %d, %w", path, line, err)
			}
		}
		return fmt.Errorf("configuration %s: %w", path, err)
	}
	*cfg = next
	cfg.Files = append(cfg.Files, path)
	return nil
}

// keyError is a value refused after parsing; loadFile adds the file and
// the line of the key.
type keyError struct{ key, msg string }

func (e *keyError) Error() string { return fmt.Sprintf("key %q: %s", e.key, e.msg) }

func keyErrorf(key, format string, a ...any) error {
	return &keyError{key, fmt.Sprintf(format, a...)}
}

// check validates values that TOML's types do not. Values that would defeat
// their purpose (no lockout, a zero wait) are refused, never replaced.
func (c *Config) check() error {
	switch c.Theme {
	case "light", "dark":
	default:
		return keyErrorf("theme", "must be \"light\" or \"dark\", not %q", c.Theme)
	}
	switch c.Language {
	case "id", "en":
	default:
		return keyErrorf("language", "must be \"id\" or \"en\", not %q", c.Language)
	}
	if c.Authority != "embedded" {
		u, err := url.Parse(c.Authority)
		if err != nil || u.Scheme != "https" || u.Host == "" {
			return keyErrorf("authority", "must be \"embedded\" or an https:// URL, not %q", c.Authority)
		}
	}
	if c.EmailDomain == "" || strings.ContainsAny(c.EmailDomain, "@ ") || !strings.Contains(c.EmailDomain, ".") {
		return keyErrorf("email_domain", "must be a domain like natunakab.go.id, not %q", c.EmailDomain)
	}
	if c.ResetLinkLifetime.Duration < time.Minute {
		return keyErrorf("reset_link_lifetime", "must be at least 1m, not %s", c.ResetLinkLifetime)
	}
	l := c.Lockout
	if l.FailureFactor < 1 || l.FailureFactor > 100 {
		return keyErrorf("lockout.failure_factor", "must be 1-100, not %d", l.FailureFactor)
	}
	for _, d := range []struct {
		key string
		v   Duration
	}{
		{"lockout.wait_increment", l.WaitIncrement},
		{"lockout.max_wait", l.MaxWait},
		{"lockout.quick_login_check", l.QuickLoginCheck},
		{"lockout.min_quick_login_wait", l.MinQuickLoginWait},
	} {
		if d.v.Duration <= 0 {
			return keyErrorf(d.key, "must be longer than zero")
		}
	}
	if l.MaxWait.Duration < l.WaitIncrement.Duration {
		return keyErrorf("lockout.max_wait", "must not be shorter than lockout.wait_increment (%s)", l.WaitIncrement)
	}
	p := c.Passphrase
	if p.MaxFailures < 1 {
		return keyErrorf("passphrase.max_failures", "must be at least 1, not %d", p.MaxFailures)
	}
	if p.Suspension.Duration < time.Minute {
		return keyErrorf("passphrase.suspension", "must be at least 1m, not %s", p.Suspension)
	}
	if p.MaxSuspension.Duration < p.Suspension.Duration {
		return keyErrorf("passphrase.max_suspension", "must not be shorter than passphrase.suspension (%s)", p.Suspension)
	}
	if c.VerificationURL != "" {
		if u, err := url.Parse(c.VerificationURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") {
			return keyErrorf("verification_url", "must be an http(s) URL, not %q", c.VerificationURL)
		}
	}
	if c.TSAURL != "" {
		if u, err := url.Parse(c.TSAURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return keyErrorf("tsa_url", "must be an http(s) URL, not %q", c.TSAURL)
		}
	}
	switch strings.ToUpper(c.SignatureLevel) {
	case "", "B-B", "B-T", "B-LT", "B-LTA":
	default:
		return keyErrorf("signature_level", "must be \"B-B\", \"B-T\", \"B-LT\" or \"B-LTA\", not %q", c.SignatureLevel)
	}
	if _, _, err := net.SplitHostPort(c.Server.Listen); err != nil {
		return keyErrorf("server.listen", "must be an address like \":8443\" or \"10.0.0.5:443\", not %q", c.Server.Listen)
	}
	if c.Server.MetricsListen != "" {
		if _, _, err := net.SplitHostPort(c.Server.MetricsListen); err != nil {
			return keyErrorf("server.metrics_listen", "must be an address like \"127.0.0.1:9443\", not %q", c.Server.MetricsListen)
		}
	}
	if c.Server.PublicURL != "" {
		if u, err := url.Parse(c.Server.PublicURL); err != nil || u.Scheme != "https" || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return keyErrorf("server.public_url", "must be an https URL like \"https://besign.example\", not %q", c.Server.PublicURL)
		}
	}
	if c.Server.TSAPolicy != "" && !oidPattern.MatchString(c.Server.TSAPolicy) {
		return keyErrorf("server.tsa_policy", "must be an object identifier like \"1.3.6.1.4.1.99999.1\", not %q", c.Server.TSAPolicy)
	}
	if c.Server.KDFWorkers < 1 || c.Server.KDFWorkers > 256 {
		return keyErrorf("server.kdf_workers", "must be 1-256, not %d", c.Server.KDFWorkers)
	}
	if c.Server.RateLimitPerAddress < 0 {
		return keyErrorf("server.rate_limit_per_address", "must not be negative (0: no limit), not %d", c.Server.RateLimitPerAddress)
	}
	if c.Server.RateLimitPerAccount < 0 {
		return keyErrorf("server.rate_limit_per_account", "must not be negative (0: no limit), not %d", c.Server.RateLimitPerAccount)
	}
	if c.Server.RateLimitMailPerHour < 0 {
		return keyErrorf("server.rate_limit_mail_per_hour", "must not be negative (0: no limit), not %d", c.Server.RateLimitMailPerHour)
	}
	if err := validateRevocation(c.Server); err != nil {
		return err
	}
	if err := validateBSrE(c.Server.Signer, c.BSrE); err != nil {
		return err
	}
	for _, f := range []struct{ key, path string }{
		{"smtp.password_file", c.SMTP.PasswordFile}, {"smtp.ca_file", c.SMTP.CAFile},
		{"server.tls_cert", c.Server.TLSCert}, {"server.tls_key", c.Server.TLSKey}, {"server.database", sqlitePath(c.Server.Database)},
		{"server.master_key_file", c.Server.MasterKeyFile}, {"server.admin_key_file", c.Server.AdminKeyFile},
	} {
		if f.path != "" && !filepath.IsAbs(f.path) {
			return keyErrorf(f.key, "must be an absolute path, not %q", f.path)
		}
	}
	s := c.SMTP
	if s.Host != "" {
		if s.Port < 1 || s.Port > 65535 {
			return keyErrorf("smtp.port", "must be 1-65535, not %d", s.Port)
		}
		switch s.TLS {
		case "starttls", "tls", "none":
		default:
			return keyErrorf("smtp.tls", "must be \"starttls\", \"tls\" or \"none\", not %q", s.TLS)
		}
		if _, err := mail.ParseAddress(s.From); err != nil {
			return keyErrorf("smtp.from", "not an email address: %q", s.From)
		}
	}
	return nil
}

// TSAPath is where the organisation server answers RFC 3161 time-stamp
// queries, under its authority URL.
const TSAPath = "/tsa"

// TimeStampURL is the TSA signatures are time-stamped by: tsa_url, else
// the organisation server's (authority + TSAPath) when the authority is a
// server, else "" (signatures stay PAdES B-B).
func (c Config) TimeStampURL() string {
	if c.TSAURL != "" {
		return c.TSAURL
	}
	if c.Authority != "embedded" && c.Authority != "" {
		return strings.TrimRight(c.Authority, "/") + TSAPath
	}
	return ""
}

// keyLine returns the line (1-based) on which the dotted key is set in a
// TOML text, or 0. It knows [table] headers and dotted keys, which is all
// a configuration file uses.
func keyLine(text, key string) int {
	table := ""
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "[") {
			table = strings.Trim(strings.TrimSpace(strings.Trim(line, "[]")), "\"")
			continue
		}
		name, _, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		full := strings.ReplaceAll(strings.TrimSpace(name), " ", "")
		if table != "" {
			full = table + "." + full
		}
		if full == key {
			return i + 1
		}
	}
	return 0
}

// DataDir resolves the data directory: the flag, then BESIGN_DATA_DIR, then
// the per-user default. It returns an absolute path and creates nothing.
func DataDir(flagValue string) (string, error) {
	dir := flagValue
	if dir == "" {
		dir = os.Getenv("BESIGN_DATA_DIR")
	}
	if dir == "" {
		base, err := userDataBase()
		if err != nil {
			return "", fmt.Errorf("no data directory: %w (use --data-dir)", err)
		}
		dir = filepath.Join(base, "besign")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("data directory %s: %w", dir, err)
	}
	return abs, nil
}

// userDataBase is XDG_DATA_HOME (~/.local/share) on Unix and %LocalAppData%
// on Windows: data, unlike settings, should not roam between machines.
func userDataBase() (string, error) {
	if runtime.GOOS == "windows" {
		if d := os.Getenv("LocalAppData"); d != "" {
			return d, nil
		}
		return os.UserConfigDir()
	}
	if d := os.Getenv("XDG_DATA_HOME"); d != "" && filepath.IsAbs(d) {
		return d, nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(home, ".local", "share"), nil
}

// maxFileSize bounds a configuration file; real ones are a few KB.
const maxFileSize = 1 << 20

// readBounded reads a configuration file, refusing one above maxFileSize.
func readBounded(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxFileSize {
		return nil, fmt.Errorf("larger than %d MB; not a configuration file", maxFileSize>>20)
	}
	return data, nil
}

// IsPostgres tells whether a [server] database names PostgreSQL (a
// postgres:// or postgresql:// URL, or libpq key=value settings) rather
// than a SQLite file.
func IsPostgres(database string) bool {
	for _, p := range []string{"postgres://", "postgresql://"} {
		if strings.HasPrefix(database, p) {
			return true
		}
	}
	for _, f := range strings.Fields(database) {
		if k, _, ok := strings.Cut(f, "="); ok && (k == "host" || k == "dbname" || k == "user") {
			return true
		}
	}
	return false
}

// sqlitePath is database when it is a file path, "" for PostgreSQL (whose
// connection string is checked when the server connects).
func sqlitePath(database string) string {
	if IsPostgres(database) {
		return ""
	}
	return database
}

// oidPattern is a dotted object identifier: 0, 1 or 2, then arcs without
// leading zeros (the second below 40 under 0 and 1).
var oidPattern = regexp.MustCompile(`^(([01]\.([0-9]|[1-3][0-9]))|(2\.(0|[1-9][0-9]*)))(\.(0|[1-9][0-9]*))*$`)
