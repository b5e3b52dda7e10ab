package embedded

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/authority/store"
	"github.com/natunakab/besign/internal/atomicfile"
)

// The local CA: a root created with the database, whose key (ECDSA P-256,
// PKCS #8) is sealed with the master key like every other secret. It issues
// the accounts' certificates directly and signs the CRL, which the
// authority also publishes as a file beside its database so that `besign
// verify` can read it offline.

const (
	rootLifetime = 20 * 365 * 24 * time.Hour
	certLifetime = 2 // years
	crlLifetime  = 7 * 24 * time.Hour
	caKeyAAD     = "ca-key"
)

// OIDs of the certificates.
var (
	oidDocumentSigning = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 36} // id-kp-documentSigning (RFC 9336)
	oidEmailAddress    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 1}
)

// randomSerial is a positive random 127-bit serial: nothing in it comes from
// the person (no NIK).
func randomSerial() (*big.Int, error) {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, fmt.Errorf("generate serial: %w", err)
	}
	return n.Add(n, big.NewInt(1)), nil
}

// organisation names the regency in the CA's and the TSA's certificates:
// the configured instansi, else "BeSign".
func (e *Authority) organisation() string {
	if e.opts.Instansi == "" {
		return "BeSign"
	}
	return e.opts.Instansi
}

// createCA creates and stores the root inside tx when there is none.
func (e *Authority) createCA(ctx context.Context, tx store.Tx, now time.Time) error {
	if _, err := tx.CA(ctx); !errors.Is(err, store.ErrNotFound) {
		return err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return fmt.Errorf("generate CA key: %w", err)
	}
	serial, err := randomSerial()
	if err != nil {
		return err
	}
	org := e.organisation()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "BeSign Root CA " + org, Organization: []string{org}, Country: []string{"ID"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(rootLifetime),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return fmt.Errorf("create CA certificate: %w", err)
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return fmt.Errorf("encode CA key: %w", err)
	}
	sealed, err := e.box.seal(pkcs8, caKeyAAD)
	clear(pkcs8)
	if err != nil {
		return err
	}
	e.opts.Logf("created the CA %q", tmpl.Subject.CommonName)
	return tx.InsertCA(ctx, store.CA{Cert: der, Key: sealed, CreatedAt: now})
}

// ca returns the root and its key.
func (e *Authority) ca(ctx context.Context, tx store.Tx) (*x509.Certificate, crypto.Signer, error) {
	row, err := tx.CA(ctx)
	if err != nil {
		return nil, nil, err
	}
	cert, err := x509.ParseCertificate(row.Cert)
	if err != nil {
		return nil, nil, fmt.Errorf("CA certificate: %w", errSecretDamaged)
	}
	pkcs8, err := e.box.open(row.Key, caKeyAAD)
	if err != nil {
		return nil, nil, fmt.Errorf("CA key: %w", err)
	}
	key, err := x509.ParsePKCS8PrivateKey(pkcs8)
	clear(pkcs8)
	signer, ok := key.(crypto.Signer)
	if err != nil || !ok {
		return nil, nil, fmt.Errorf("CA key: %w", errSecretDamaged)
	}
	return cert, signer, nil
}

// commonName is the name with its gelar: "Dr. Budi Santoso, S.Kom."; "-"
// means none.
func commonName(d authority.ActivationData) string {
	name := strings.TrimSpace(d.Name)
	if g := strings.TrimSpace(d.GelarDepan); g != "" && g != "-" {
		name = g + " " + name
	}
	if g := strings.TrimSpace(d.GelarBelakang); g != "" && g != "-" {
		name += ", " + g
	}
	return name
}

// issue signs a certificate for pub with the verified activation's subject.
func (e *Authority) issue(ctx context.Context, tx store.Tx, serial *big.Int, email string, d authority.ActivationData, pub *rsa.PublicKey, now time.Time) ([]byte, error) {
	caCert, caKey, err := e.ca(ctx, tx)
	if err != nil {
		return nil, err
	}
	subject := pkix.Name{CommonName: commonName(d), Country: []string{"ID"},
		ExtraNames: []pkix.AttributeTypeAndValue{{Type: oidEmailAddress, Value: email}}}
	if e.opts.Instansi != "" {
		subject.Organization = []string{e.opts.Instansi}
	}
	if u := strings.TrimSpace(d.Unit); u != "" {
		subject.OrganizationalUnit = []string{u}
	}
	notAfter := now.AddDate(certLifetime, 0, 0)
	if notAfter.After(caCert.NotAfter) {
		notAfter = caCert.NotAfter
	}
	tmpl := &x509.Certificate{
		SerialNumber:       serial,
		Subject:            subject,
		EmailAddresses:     []string{email},
		NotBefore:          now.Add(-time.Minute),
		NotAfter:           notAfter,
		KeyUsage:           x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		ExtKeyUsage:        []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection},
		UnknownExtKeyUsage: []asn1.ObjectIdentifier{oidDocumentSigning},
	}
	if e.opts.CRLURL != "" {
		tmpl.CRLDistributionPoints = []string{e.opts.CRLURL}
	}
	if e.opts.OCSPURL != "" {
		tmpl.OCSPServer = []string{e.opts.OCSPURL}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, pub, caKey)
	if err != nil {
		return nil, fmt.Errorf("issue certificate: %w", err)
	}
	return der, nil
}

// RootCertificate returns the root (DER).
func (e *Authority) RootCertificate(ctx context.Context) ([]byte, error) {
	var der []byte
	err := e.view(ctx, func(tx store.Tx) error {
		row, err := tx.CA(ctx)
		der = row.Cert
		return err
	})
	return der, err
}

// CRL signs a new CRL of every revoked certificate, valid for a week.
func (e *Authority) CRL(ctx context.Context) ([]byte, error) {
	var der []byte
	err := e.update(ctx, func(tx store.Tx) error {
		caCert, caKey, err := e.ca(ctx, tx)
		if err != nil {
			return err
		}
		revoked, err := tx.RevokedCertificates(ctx)
		if err != nil {
			return err
		}
		n, err := tx.NextCRLNumber(ctx)
		if err != nil {
			return err
		}
		list := &x509.RevocationList{Number: big.NewInt(n), ThisUpdate: e.now(), NextUpdate: e.now().Add(crlLifetime)}
		for _, c := range revoked {
			s, ok := new(big.Int).SetString(c.Serial, 16)
			if !ok {
				return fmt.Errorf("certificate serial %q: %w", c.Serial, errSecretDamaged)
			}
			list.RevokedCertificateEntries = append(list.RevokedCertificateEntries,
				x509.RevocationListEntry{SerialNumber: s, RevocationTime: c.RevokedAt})
		}
		der, err = x509.CreateRevocationList(rand.Reader, list, caCert, caKey)
		if err != nil {
			return fmt.Errorf("sign CRL: %w", err)
		}
		return nil
	})
	return der, err
}

// CRLPath is where the authority publishes its CRL: beside the SQLite
// file; "" on a database given as Options.DB, which publishes no file.
func (e *Authority) CRLPath() string {
	if e.opts.Path == "" {
		return ""
	}
	return filepath.Join(filepath.Dir(e.opts.Path), authority.CRLFileName)
}

// crlStale tells whether the published CRL is missing, unreadable or due
// for its next update within a day: opening the authority renews it then.
func (e *Authority) crlStale() bool {
	if e.CRLPath() == "" {
		return false
	}
	der, err := os.ReadFile(e.CRLPath())
	if err != nil {
		return true
	}
	crl, err := x509.ParseRevocationList(der)
	return err != nil || crl.NextUpdate.Before(e.now().Add(24*time.Hour))
}

// publishCRL writes a fresh CRL to CRLPath, replacing the old one whole.
func (e *Authority) publishCRL(ctx context.Context) error {
	if e.CRLPath() == "" {
		return nil
	}
	der, err := e.CRL(ctx)
	if err != nil {
		return err
	}
	if err := atomicfile.Replace(e.CRLPath(), der, 0o644); err != nil {
		return fmt.Errorf("publish CRL: %w", err)
	}
	return nil
}
