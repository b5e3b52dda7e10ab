package embedded

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/natunakab/besign/authority/store"
	"github.com/natunakab/besign/pdfsign/timestamp"
)

// The authority's time-stamping authority (RFC 3161): its own certificate,
// issued by the CA on first start with the extended key usage
// timeStamping alone and critical, and its key (ECDSA P-256, PKCS #8)
// sealed with the master key like the CA's. Both sit in the meta table, so
// that every server process sharing the database signs as the same TSA,
// and the serial numbers of its tokens come from the database too.

const (
	tsaLifetime   = 10 * 365 * 24 * time.Hour
	tsaKeyAAD     = "tsa-key"
	metaTSACert   = "tsa_cert"
	metaTSAKey    = "tsa_key"
	metaTSASerial = "tsa_serial"
)

// createTSA issues and stores the TSA's certificate inside tx when there
// is none; the CA exists already.
func (e *Authority) createTSA(ctx context.Context, tx store.Tx, now time.Time) error {
	if _, err := tx.Meta(ctx, metaTSACert); !errors.Is(err, store.ErrNotFound) {
		return err
	}
	caCert, caKey, err := e.ca(ctx, tx)
	if err != nil {
		return err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return fmt.Errorf("generate TSA key: %w", err)
	}
	serial, err := randomSerial()
	if err != nil {
		return err
	}
	org := e.organisation()
	notAfter := now.Add(tsaLifetime)
	if notAfter.After(caCert.NotAfter) {
		notAfter = caCert.NotAfter
	}
	tmpl := timestamp.CertificateTemplate(pkix.Name{CommonName: "BeSign TSA " + org, Organization: []string{org}, Country: []string{"ID"}},
		serial, now.Add(-time.Hour), notAfter)
	if e.opts.CRLURL != "" {
		// Verification checks the TSA's certificate as it checks the
		// signers' (and B-LT stores its CRL beside theirs).
		tmpl.CRLDistributionPoints = []string{e.opts.CRLURL}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, key.Public(), caKey)
	if err != nil {
		return fmt.Errorf("create TSA certificate: %w", err)
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return fmt.Errorf("encode TSA key: %w", err)
	}
	sealed, err := e.box.seal(pkcs8, tsaKeyAAD)
	clear(pkcs8)
	if err != nil {
		return err
	}
	if err := tx.SetMeta(ctx, metaTSAKey, sealed); err != nil {
		return err
	}
	e.opts.Logf("created the TSA certificate %q", tmpl.Subject.CommonName)
	return tx.SetMeta(ctx, metaTSACert, der)
}

// TimeStampIssuer returns the authority's TSA, ready to answer
// time-stamp queries (`besign serve` serves it at /tsa): its key opened
// with the master key, its chain (TSA certificate, root), serial numbers
// from the database.
func (e *Authority) TimeStampIssuer(ctx context.Context) (*timestamp.Issuer, error) {
	var chain []*x509.Certificate
	var signer crypto.Signer
	err := e.update(ctx, func(tx store.Tx) error {
		// A database made before the TSA existed gets one now.
		if err := e.createTSA(ctx, tx, e.now()); err != nil {
			return err
		}
		caCert, _, err := e.ca(ctx, tx)
		if err != nil {
			return err
		}
		der, err := tx.Meta(ctx, metaTSACert)
		if err != nil {
			return err
		}
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			return fmt.Errorf("TSA certificate: %w", errSecretDamaged)
		}
		sealed, err := tx.Meta(ctx, metaTSAKey)
		if err != nil {
			return err
		}
		pkcs8, err := e.box.open(sealed, tsaKeyAAD)
		if err != nil {
			return fmt.Errorf("TSA key: %w", err)
		}
		key, err := x509.ParsePKCS8PrivateKey(pkcs8)
		clear(pkcs8)
		var ok bool
		if signer, ok = key.(crypto.Signer); err != nil || !ok {
			return fmt.Errorf("TSA key: %w", errSecretDamaged)
		}
		chain = []*x509.Certificate{cert, caCert}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &timestamp.Issuer{Signer: signer, Chain: chain, Serial: e.nextTSASerial, Now: e.now}, nil
}

// nextTSASerial counts the tokens in the database: unique and increasing
// across every server process (RFC 3161 2.4.2), the transaction retried
// like any other on a conflict.
func (e *Authority) nextTSASerial(ctx context.Context) (*big.Int, error) {
	n := new(big.Int)
	err := e.update(ctx, func(tx store.Tx) error {
		n.SetInt64(0)
		b, err := tx.Meta(ctx, metaTSASerial)
		switch {
		case errors.Is(err, store.ErrNotFound):
		case err != nil:
			return err
		default:
			if _, ok := n.SetString(string(b), 10); !ok {
				return fmt.Errorf("TSA serial %q: %w", b, errSecretDamaged)
			}
		}
		n.Add(n, big.NewInt(1))
		return tx.SetMeta(ctx, metaTSASerial, []byte(n.String()))
	})
	if err != nil {
		return nil, err
	}
	return n, nil
}
