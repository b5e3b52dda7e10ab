package cli

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/authority/remote"
	"github.com/natunakab/besign/internal/atomicfile"
	"github.com/natunakab/besign/verifytrust"
)

// `besign trust publish`: IT's one command to make PDF readers trust the
// organisation's root. It takes the root from the authority in force (the
// server's database on the server host, the organisation server from a
// laptop, or the embedded authority) and writes it in the forms readers
// import: PEM and DER (.cer: Windows and Adobe's "Add Contacts"), an Adobe
// data exchange FDF (double-clicked, Reader offers to add it to its
// trusted identities), and, with --nss, adds it to an NSS database
// (pdfsig, Firefox, Thunderbird, LibreOffice).

func init() {
	register(command{"trust", "besign trust publish [--out DIR] [--nss DBDIR] [--name NICKNAME]   the organisation's root for Adobe Reader and NSS", runTrust})
}

// Files trust publish writes in --out.
const (
	trustPEM = "root.pem"
	trustCER = "root.cer"
	trustFDF = "root.fdf"
)

// nssTrust are the NSS trust flags of the root (TLS, e-mail, object
// signing): a CA trusted for the e-mail usage only, which is the one NSS
// (pdfsig, LibreOffice, Thunderbird) checks a document signer against.
// "C,," (TLS only) leaves pdfsig saying "issuer isn't Trusted" (tried);
// TLS trust is not given, so that the signing root cannot vouch for web
// servers in a browser sharing the database.
const nssTrust = ",C,"

func runTrust(env *Env, args []string) error {
	if len(args) == 0 || args[0] != "publish" {
		return usageErrorf("trust: which? publish [--out DIR] [--nss DBDIR] [--name NICKNAME]")
	}
	fs := newFlagSet("trust publish")
	out := fs.String("out", ".", "")
	nss := fs.String("nss", "", "")
	name := fs.String("name", "", "")
	rest, err := parseFlags(fs, args[1:])
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usageErrorf("trust publish: unexpected %q", rest[0])
	}
	if *nss != "" {
		if _, err := exec.LookPath("certutil"); err != nil {
			return fmt.Errorf("trust publish: --nss needs NSS's certutil (Debian: libnss3-tools): %w", err)
		}
	}
	return withAuthority(env, nil, func(*Env, []string) (func(adminAuthority) error, error) {
		return narrow(func(a authority.Trust) error {
			root, err := publishedRoot(env, a)
			if err != nil {
				return fmt.Errorf("trust publish: %w", err)
			}
			nick := *name
			if nick == "" {
				nick = root.Subject.CommonName
			}
			if nick == "" {
				nick = "BeSign root"
			}
			if err := writeTrustFiles(*out, root, nick); err != nil {
				return fmt.Errorf("trust publish: %w", err)
			}
			sum := sha256.Sum256(root.Raw) // for IT to compare with what readers show
			fmt.Fprintf(env.Stdout, "wrote %s, %s and %s to %s (root %q, SHA-256 %X)\n", trustPEM, trustCER, trustFDF, *out, root.Subject.String(), sum[:])
			if *nss != "" {
				if err := addToNSS(*nss, nick, filepath.Join(*out, trustPEM)); err != nil {
					return fmt.Errorf("trust publish: %w", err)
				}
				fmt.Fprintf(env.Stdout, "added %q to the NSS database %s, trusted %s\n", nick, *nss, nssTrust)
			}
			return nil
		}), nil
	})
}

// publishedRoot asks the authority for its root. A laptop whose server
// cannot be reached falls back on the copy verification keeps in the data
// dir (verifytrust.RootCacheName), and says so.
func publishedRoot(env *Env, a authority.Trust) (*x509.Certificate, error) {
	der, err := a.RootCertificate(context.Background())
	if err != nil && (errors.Is(err, remote.ErrUnreachable) || errors.Is(err, remote.ErrTimeout)) {
		kept, rerr := os.ReadFile(filepath.Join(env.DataDir, verifytrust.RootCacheName))
		if rerr != nil {
			return nil, err
		}
		fmt.Fprintf(env.Stderr, "besign: warning: the server cannot be reached; publishing the root kept from an earlier verification (%v)\n", err)
		der, err = kept, nil
	}
	if err != nil {
		return nil, fmt.Errorf("root certificate: %w", err)
	}
	root, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("root certificate: %w", err)
	}
	if !root.IsCA {
		return nil, errors.New("root certificate is not a CA certificate")
	}
	return root, nil
}

// writeTrustFiles writes root.pem, root.cer and root.fdf into dir, each
// whole or not at all.
func writeTrustFiles(dir string, root *x509.Certificate, nick string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, f := range []struct {
		name string
		data []byte
	}{
		{trustPEM, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: root.Raw})},
		{trustCER, root.Raw},
		{trustFDF, TrustFDF(root.Raw, nick)},
	} {
		if err := atomicfile.Replace(filepath.Join(dir, f.name), f.data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// TrustFDF is an Adobe "data exchange" FDF (Adobe's FDF Data Exchange
// Specification, Acrobat 6 and later) holding one contact, named nick,
// with the certificate der: the FDF dictionary's Certs array holds the
// certificates as strings and each entry of Contacts names its own by
// index. Opened in Adobe Reader, it offers "Set Contact Trust"; an
// unsigned FDF cannot set the trust itself (Adobe applies a trust level
// from the file only when the file is signed by an identity already
// trusted), so the person importing ticks "Use this certificate as a
// trusted root" and "Signed documents or data", as the README says.
//
// The file has a cross-reference table (FDF allows leaving it out), so
// that tools other than Acrobat read it without repairing it.
func TrustFDF(der []byte, nick string) []byte {
	var b bytes.Buffer
	b.WriteString("%FDF-1.2\n%\xe2\xe3\xcf\xd3\n") // a binary comment: mail and transfers keep it binary
	obj := b.Len()
	fmt.Fprintf(&b, "1 0 obj\n<< /FDF << /Contacts [ << /Name %s /Certs [ 0 ] >> ] /Certs [ <%s> ] >> >>\nendobj\n",
		pdfString(nick), strings.ToUpper(hex.EncodeToString(der)))
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 2\n0000000000 65535 f \n%010d 00000 n \ntrailer\n<< /Size 2 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", obj, xref)
	return b.Bytes()
}

// pdfString is s as a PDF text string: literal when it is printable ASCII
// (escaped), else UTF-16BE with its byte order mark, in hex.
func pdfString(s string) string {
	ascii := true
	for _, r := range s {
		if r < 0x20 || r > 0x7e {
			ascii = false
			break
		}
	}
	if ascii {
		return "(" + strings.NewReplacer(`\`, `\\`, "(", `\(`, ")", `\)`).Replace(s) + ")"
	}
	u := []byte{0xfe, 0xff}
	for _, r := range s {
		if r > 0xffff {
			r1, r2 := 0xd800+((r-0x10000)>>10), 0xdc00+((r-0x10000)&0x3ff)
			u = append(u, byte(r1>>8), byte(r1), byte(r2>>8), byte(r2))
			continue
		}
		u = append(u, byte(r>>8), byte(r))
	}
	return "<" + strings.ToUpper(hex.EncodeToString(u)) + ">"
}

// addToNSS adds the root in pemPath to the NSS database in dir (created,
// with an empty password, when it has none yet) as a trusted CA. A
// certificate already there under nick is replaced, so that publishing
// again after a new root leaves one entry.
func addToNSS(dir, nick, pemPath string) error {
	db := "sql:" + strings.TrimPrefix(dir, "sql:")
	plain := strings.TrimPrefix(dir, "sql:")
	if _, err := os.Stat(filepath.Join(plain, "cert9.db")); errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(plain, 0o700); err != nil {
			return err
		}
		if out, err := exec.Command("certutil", "-N", "-d", db, "--empty-password").CombinedOutput(); err != nil {
			return fmt.Errorf("certutil -N: %w: %s", err, bytes.TrimSpace(out))
		}
	}
	// certutil -A with a nickname in use adds a second certificate beside
	// the old one; delete it first (absent is fine).
	_ = exec.Command("certutil", "-D", "-d", db, "-n", nick).Run()
	if out, err := exec.Command("certutil", "-A", "-d", db, "-n", nick, "-t", nssTrust, "-i", pemPath).CombinedOutput(); err != nil {
		return fmt.Errorf("certutil -A: %w: %s", err, bytes.TrimSpace(out))
	}
	return nil
}
