package embedded

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base32"
	"errors"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/authority/store"
)

const testPassphrase = "Tanda#Tangan2026"

// fastKDF keeps tests quick; BenchmarkDeriveKey measures the real cost.
var fastKDF = argonParams{Memory: 64, Time: 1, Threads: 1}

// verifiedAccount is a signed-in account whose activation was approved.
func verifiedAccount(t testing.TB, mod func(*Options)) (*Authority, *testClock, authority.Session, string) {
	t.Helper()
	e, clk, _ := openTest(t, func(o *Options) {
		o.Instansi = "Pemerintah Kabupaten Natuna"
		o.CRLURL = "https://besign.natunakab.go.id/verifikasi/besign-ca.crl"
		if mod != nil {
			mod(o)
		}
	})
	e.kdf = fastKDF
	_, secret := activate(t, e, clk, "Siti Rahmawati", "siti@natunakab.go.id")
	s := signIn(t, e, clk, "siti@natunakab.go.id", secret, false)
	if _, err := e.SubmitActivation(ctx, authority.ActivationRequest{Token: s.Token, Data: validForm(t)}); err != nil {
		t.Fatalf("SubmitActivation: %v", err)
	}
	return e, clk, s, secret
}

func approve(t testing.TB, e *Authority) string {
	t.Helper()
	if _, err := e.AdminDecideActivation(ctx, authority.DecisionRequest{Email: "siti@natunakab.go.id", Approve: true}); err != nil {
		t.Fatalf("approve: %v", err)
	}
	return passphraseToken(t, newestMail(t, e, "siti@natunakab.go.id", authority.MailActivationApproved).ActionLink)
}

func passphraseToken(t testing.TB, link string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil || u.Scheme != "besign" || u.Host != "passphrase" {
		t.Fatalf("passphrase link %q: %v", link, err)
	}
	return u.Query().Get("token")
}

func status(t testing.TB, e *Authority, tok string) authority.CertificateInfo {
	t.Helper()
	info, err := e.Certificate(ctx, tok)
	if err != nil {
		t.Fatalf("Certificate: %v", err)
	}
	return info
}

func TestCheckPassphrase(t *testing.T) {
	for _, c := range []struct {
		in   string
		fail []authority.PassphraseRule
	}{
		{"", []authority.PassphraseRule{authority.RuleLength, authority.RuleUpper, authority.RuleLower, authority.RuleDigit, authority.RuleSymbol}},
		{"Tanda#Tangan2026", nil},
		{"Ab1#efg", []authority.PassphraseRule{authority.RuleLength}},
		{"tanda#tangan2026", []authority.PassphraseRule{authority.RuleUpper}},
		{"TANDA#TANGAN2026", []authority.PassphraseRule{authority.RuleLower}},
		{"Tanda#Tangan", []authority.PassphraseRule{authority.RuleDigit}},
		{"TandaTangan2026", []authority.PassphraseRule{authority.RuleSymbol}},
		{"Tanda Tangan 2026", []authority.PassphraseRule{authority.RuleSymbol}}, // a space is no symbol
		{"Ésprit-2026x", nil},
		{"ÄÖÜäöü1!", nil}, // eight characters, more bytes
	} {
		if got := authority.CheckPassphrase(c.in); !slices.Equal(got, c.fail) {
			t.Errorf("CheckPassphrase(%q) = %v, want %v", c.in, got, c.fail)
		}
	}
}

func TestCertificateIssue(t *testing.T) {
	e, _, s, _ := verifiedAccount(t, nil)
	if st := status(t, e, s.Token).Status; st != authority.StatusWaiting {
		t.Fatalf("status while waiting = %s", st)
	}
	req := authority.CreatePassphraseRequest{Token: s.Token, Passphrase: testPassphrase, Confirmation: testPassphrase, Consent: true}
	if _, err := e.CreatePassphrase(ctx, req); !errors.Is(err, authority.ErrActivationNotVerified) {
		t.Fatalf("before approval: %v", err)
	}
	link := approve(t, e)
	if st := status(t, e, s.Token).Status; st != authority.StatusNoCertificate {
		t.Fatalf("status after approval = %s", st)
	}
	for _, c := range []struct {
		mod  func(*authority.CreatePassphraseRequest)
		want error
	}{
		{func(r *authority.CreatePassphraseRequest) {
			r.Passphrase, r.Confirmation = "tanda#tangan2026", "tanda#tangan2026"
		}, authority.ErrPassphraseWeak},
		{func(r *authority.CreatePassphraseRequest) { r.Confirmation = "Tanda#Tangan2027" }, authority.ErrPassphraseMismatch},
		{func(r *authority.CreatePassphraseRequest) { r.Consent = false }, authority.ErrCertificateConsent},
		{func(r *authority.CreatePassphraseRequest) {
			r.Passphrase = "Aa1#" + strings.Repeat("x", authority.MaxPassphraseLen)
			r.Confirmation = r.Passphrase
		}, authority.ErrPassphraseTooLong},
		{func(r *authority.CreatePassphraseRequest) { r.Token = "garbage" }, authority.ErrTokenInvalid},
	} {
		r := req
		r.Token = link
		c.mod(&r)
		if _, err := e.CreatePassphrase(ctx, r); !errors.Is(err, c.want) {
			t.Errorf("%+v: %v, want %v", r, err, c.want)
		}
	}
	req.Token = link
	info, err := e.CreatePassphrase(ctx, req)
	if err != nil || info.Status != authority.StatusIssue || len(info.Chain) != 2 {
		t.Fatalf("CreatePassphrase = %+v, %v", info, err)
	}
	if _, err := e.CreatePassphrase(ctx, req); !errors.Is(err, authority.ErrTokenUsed) {
		t.Errorf("link used twice: %v", err)
	}
	req.Token = s.Token
	if _, err := e.CreatePassphrase(ctx, req); !errors.Is(err, authority.ErrCertificateExists) {
		t.Errorf("second certificate through the session: %v", err)
	}

	cert, err := x509.ParseCertificate(info.Chain[0])
	if err != nil {
		t.Fatal(err)
	}
	root, err := x509.ParseCertificate(info.Chain[1])
	if err != nil {
		t.Fatal(err)
	}
	rootDER, _ := e.RootCertificate(ctx)
	if !bytes.Equal(rootDER, info.Chain[1]) {
		t.Error("chain does not end in the authority's root")
	}
	pool := x509.NewCertPool()
	pool.AddCert(root)
	if _, err := cert.Verify(x509.VerifyOptions{Roots: pool, CurrentTime: e.now(),
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection}}); err != nil {
		t.Errorf("certificate does not chain to the root: %v", err)
	}
	sub := cert.Subject
	if sub.CommonName != "Siti Rahmawati, S.Kom." || !slices.Equal(sub.Organization, []string{"Pemerintah Kabupaten Natuna"}) ||
		!slices.Equal(sub.OrganizationalUnit, []string{"Dinas Komunikasi dan Informatika"}) ||
		!slices.Equal(cert.EmailAddresses, []string{"siti@natunakab.go.id"}) {
		t.Errorf("subject %v, email %v", sub, cert.EmailAddresses)
	}
	if strings.Contains(cert.SerialNumber.String(), testNIK) || strings.Contains(string(cert.Raw), testNIK) {
		t.Error("the certificate holds the NIK")
	}
	if cert.KeyUsage != x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment ||
		len(cert.UnknownExtKeyUsage) != 1 || !cert.UnknownExtKeyUsage[0].Equal(oidDocumentSigning) {
		t.Errorf("key usage %v, EKU %v", cert.KeyUsage, cert.UnknownExtKeyUsage)
	}
	if k, ok := cert.PublicKey.(*rsa.PublicKey); !ok || k.N.BitLen() != 2048 {
		t.Errorf("key is not RSA-2048")
	}
	if y, m, _ := cert.NotAfter.Date(); y != e.now().Year()+2 || m != e.now().Month() {
		t.Errorf("valid until %s", cert.NotAfter)
	}
	if !slices.Equal(cert.CRLDistributionPoints, []string{e.opts.CRLURL}) {
		t.Errorf("CDP %v", cert.CRLDistributionPoints)
	}
	if info.Serial != cert.SerialNumber.Text(16) || info.Subject != sub.CommonName {
		t.Errorf("info %+v", info)
	}

	// Signing: one signature per digest, in order, by the certificate's
	// key (signed on several processors: an odd count, not a multiple of
	// their number).
	d1 := sha256.Sum256([]byte("satu"))
	var digests [][]byte
	for i := range 37 {
		d := sha256.Sum256([]byte{byte(i)})
		digests = append(digests, d[:])
	}
	resp, err := e.SignDigests(ctx, authority.SignDigestsRequest{Token: s.Token, Passphrase: testPassphrase, Digests: digests})
	if err != nil || len(resp.Signatures) != len(digests) || !bytes.Equal(resp.Chain[0], info.Chain[0]) {
		t.Fatalf("SignDigests = %d, %v", len(resp.Signatures), err)
	}
	for i, d := range digests {
		if err := rsa.VerifyPKCS1v15(cert.PublicKey.(*rsa.PublicKey), crypto.SHA256, d, resp.Signatures[i]); err != nil {
			t.Errorf("signature %d: %v", i, err)
		}
	}
	for _, bad := range [][][]byte{nil, {d1[:16]}} {
		if _, err := e.SignDigests(ctx, authority.SignDigestsRequest{Token: s.Token, Passphrase: testPassphrase, Digests: bad}); !errors.Is(err, authority.ErrDigestInvalid) {
			t.Errorf("digests %v: %v", bad, err)
		}
	}
}

// After two years the certificate is EXPIRED: it no longer signs, and a
// new passphrase issues a new one.
func TestCertificateExpires(t *testing.T) {
	e, clk, s, secret := verifiedAccount(t, nil)
	link := approve(t, e)
	first, err := e.CreatePassphrase(ctx, authority.CreatePassphraseRequest{Token: link, Passphrase: testPassphrase, Confirmation: testPassphrase, Consent: true})
	if err != nil {
		t.Fatal(err)
	}
	clk.Advance(first.NotAfter.Sub(clk.Now()) + time.Second)
	s = signIn(t, e, clk, "siti@natunakab.go.id", secret, false)
	if st := status(t, e, s.Token).Status; st != authority.StatusExpired {
		t.Fatalf("status after two years: %s", st)
	}
	d := sha256.Sum256([]byte("x"))
	if _, err := e.SignDigests(ctx, authority.SignDigestsRequest{Token: s.Token, Passphrase: testPassphrase, Digests: [][]byte{d[:]}}); !errors.Is(err, authority.ErrCertificateExpired) {
		t.Fatalf("signing with an expired certificate: %v", err)
	}
	second, err := e.CreatePassphrase(ctx, authority.CreatePassphraseRequest{Token: s.Token, Passphrase: testPassphrase, Confirmation: testPassphrase, Consent: true})
	if err != nil || second.Status != authority.StatusIssue || second.Serial == first.Serial {
		t.Fatalf("renewal = %+v, %v", second, err)
	}
}

func TestPassphraseSuspension(t *testing.T) {
	e, clk, s, _ := verifiedAccount(t, func(o *Options) { o.Passphrase.MaxFailures = 3 })
	link := approve(t, e)
	if _, err := e.CreatePassphrase(ctx, authority.CreatePassphraseRequest{Token: link, Passphrase: testPassphrase, Confirmation: testPassphrase, Consent: true}); err != nil {
		t.Fatal(err)
	}
	d := sha256.Sum256([]byte("x"))
	sign := func(p string) error {
		_, err := e.SignDigests(ctx, authority.SignDigestsRequest{Token: s.Token, Passphrase: p, Digests: [][]byte{d[:]}})
		return err
	}
	// A success in between starts the count again.
	for _, p := range []string{"Salah#1", "Salah#2", testPassphrase, "Salah#3", "Salah#4"} {
		if err := sign(p); (p == testPassphrase) != (err == nil) || (err != nil && !errors.Is(err, authority.ErrPassphraseWrong)) {
			t.Fatalf("sign(%q) = %v", p, err)
		}
	}
	if info := status(t, e, s.Token); info.Status != authority.StatusIssue || info.Failures != 2 {
		t.Fatalf("after two wrong: %+v", info)
	}
	if err := sign("Salah#5"); !errors.Is(err, authority.ErrPassphraseWrong) || !errors.Is(err, authority.ErrCertificateSuspended) {
		t.Fatalf("third wrong in a row: %v", err)
	}
	info := status(t, e, s.Token)
	if info.Status != authority.StatusSuspend || !info.SuspendedUntil.Equal(e.now().Add(15*time.Minute)) {
		t.Fatalf("after suspension: %+v", info)
	}
	if err := sign(testPassphrase); !errors.Is(err, authority.ErrCertificateSuspended) {
		t.Fatalf("right passphrase while suspended: %v", err)
	}
	clk.Advance(15 * time.Minute)
	if err := sign(testPassphrase); err != nil {
		t.Fatalf("after the suspension: %v", err)
	}
	// The second suspension lasts twice as long.
	for range 3 {
		sign("Salah#6")
	}
	if info := status(t, e, s.Token); info.Status != authority.StatusSuspend || !info.SuspendedUntil.Equal(e.now().Add(30*time.Minute)) {
		t.Fatalf("second suspension: %+v", info)
	}
	if err := e.UnlockUser(ctx, "siti@natunakab.go.id"); err != nil {
		t.Fatal(err)
	}
	if err := sign(testPassphrase); err != nil {
		t.Fatalf("after admin unlock: %v", err)
	}
	// After the unlock the next suspension is a first one again.
	for range 3 {
		sign("Salah#7")
	}
	if info := status(t, e, s.Token); !info.SuspendedUntil.Equal(e.now().Add(15 * time.Minute)) {
		t.Fatalf("suspension after unlock: %+v", info)
	}
}

func TestChangeAndForgotPassphrase(t *testing.T) {
	e, clk, s, _ := verifiedAccount(t, nil)
	link := approve(t, e)
	first, err := e.CreatePassphrase(ctx, authority.CreatePassphraseRequest{Token: link, Passphrase: testPassphrase, Confirmation: testPassphrase, Consent: true})
	if err != nil {
		t.Fatal(err)
	}
	d := sha256.Sum256([]byte("x"))
	sign := func(p string) error {
		_, err := e.SignDigests(ctx, authority.SignDigestsRequest{Token: s.Token, Passphrase: p, Digests: [][]byte{d[:]}})
		return err
	}
	const newer = "Baru!Passphrase9"
	if err := e.ChangePassphrase(ctx, authority.ChangePassphraseRequest{Token: s.Token, Old: "Salah#1", New: newer, Confirmation: newer}); !errors.Is(err, authority.ErrPassphraseWrong) {
		t.Fatalf("change with a wrong old one: %v", err)
	}
	if status(t, e, s.Token).Failures != 1 {
		t.Error("a wrong old passphrase is not counted")
	}
	if err := e.ChangePassphrase(ctx, authority.ChangePassphraseRequest{Token: s.Token, Old: testPassphrase, New: newer, Confirmation: "x"}); !errors.Is(err, authority.ErrPassphraseMismatch) {
		t.Fatalf("change with a mismatch: %v", err)
	}
	if err := e.ChangePassphrase(ctx, authority.ChangePassphraseRequest{Token: s.Token, Old: testPassphrase, New: newer, Confirmation: newer}); err != nil {
		t.Fatalf("ChangePassphrase: %v", err)
	}
	if err := sign(testPassphrase); !errors.Is(err, authority.ErrPassphraseWrong) {
		t.Errorf("old passphrase after change: %v", err)
	}
	if err := sign(newer); err != nil {
		t.Errorf("new passphrase: %v", err)
	}
	if st := status(t, e, s.Token); st.Serial != first.Serial || st.Status != authority.StatusIssue {
		t.Errorf("change replaced the certificate: %+v", st)
	}

	// Lupa Passphrase: the certificate stays valid until the link is used.
	if err := e.ForgotPassphrase(ctx, s.Token); err != nil {
		t.Fatal(err)
	}
	m := newestMail(t, e, "siti@natunakab.go.id", authority.MailPassphraseReset)
	mustContain(t, "forgot mail", m.Body, m.ActionLink, "dicabut")
	if err := sign(newer); err != nil {
		t.Fatalf("before the link is used: %v", err)
	}
	const third = "Ketiga$Passphrase3"
	second, err := e.CreatePassphrase(ctx, authority.CreatePassphraseRequest{Token: passphraseToken(t, m.ActionLink), Passphrase: third, Confirmation: third, Consent: true})
	if err != nil || second.Serial == first.Serial || second.Status != authority.StatusIssue {
		t.Fatalf("new certificate = %+v, %v", second, err)
	}
	if err := sign(newer); !errors.Is(err, authority.ErrPassphraseWrong) {
		t.Errorf("the old passphrase after Lupa Passphrase: %v", err)
	}
	if err := sign(third); err != nil {
		t.Errorf("the new passphrase: %v", err)
	}
	// The old certificate is on the CRL, published in the data dir.
	root, _ := x509.ParseCertificate(first.Chain[1])
	for _, src := range []string{"CRL()", "file"} {
		var der []byte
		if src == "file" {
			der, err = os.ReadFile(e.CRLPath())
		} else {
			der, err = e.CRL(ctx)
		}
		if err != nil {
			t.Fatal(err)
		}
		crl, err := x509.ParseRevocationList(der)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		if err := crl.CheckSignatureFrom(root); err != nil {
			t.Errorf("%s: not signed by the root: %v", src, err)
		}
		var serials []string
		for _, r := range crl.RevokedCertificateEntries {
			serials = append(serials, r.SerialNumber.Text(16))
		}
		if !slices.Equal(serials, []string{first.Serial}) {
			t.Errorf("%s revokes %v, want %s", src, serials, first.Serial)
		}
	}
	// Opening the authority renews a CRL due within a day.
	old, _ := os.ReadFile(e.CRLPath())
	clk.Advance(crlLifetime - time.Hour)
	e.Close()
	e, err = Open(e.opts)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	der, _ := os.ReadFile(e.CRLPath())
	if crl, err := x509.ParseRevocationList(der); err != nil || bytes.Equal(der, old) || !crl.NextUpdate.After(clk.Now().Add(crlLifetime-time.Minute)) {
		t.Errorf("CRL not renewed on open: %v", err)
	}
}

// TestNothingSecretOnDisk reads every file of the data dir, WAL included,
// for the secrets of a whole journey: the passphrase link of the "[BSrE] Set
// Passphrase" mail too, before and after it is used.
func TestNothingSecretOnDisk(t *testing.T) {
	e, _, s, otpSecret := verifiedAccount(t, nil)
	link := approve(t, e)
	// The standalone mailbox shows the link; the files must not.
	linkSecrets := keySecrets(map[string]string{"passphrase link token": link, "session token": s.Token})
	scanForSecrets(t, filepath.Dir(e.opts.Path), linkSecrets)
	_, err := e.CreatePassphrase(ctx, authority.CreatePassphraseRequest{Token: link, Passphrase: testPassphrase, Confirmation: testPassphrase, Consent: true})
	if err != nil {
		t.Fatal(err)
	}
	if m := mailRow(t, e, authority.MailActivationApproved, "siti@natunakab.go.id"); m.LinkSecret != nil || m.TokenHash == nil {
		t.Errorf("the used passphrase link is kept sealed (%v) or was never sealed", m.LinkSecret != nil)
	}
	d := sha256.Sum256([]byte("x"))
	if _, err := e.SignDigests(ctx, authority.SignDigestsRequest{Token: s.Token, Passphrase: testPassphrase, Digests: [][]byte{d[:]}}); err != nil {
		t.Fatal(err)
	}
	// The signing key, as the authority would open it.
	var row store.Certificate
	e.db.View(ctx, func(tx store.Tx) error {
		row, err = tx.CurrentCertificate(ctx, s.Account.ID)
		return err
	})
	pkcs8, err := e.openSigningKey(row, testPassphrase)
	if err != nil {
		t.Fatal(err)
	}
	k, _ := x509.ParsePKCS8PrivateKey(pkcs8)
	pkcs1 := x509.MarshalPKCS1PrivateKey(k.(*rsa.PrivateKey))
	var caKey crypto.Signer
	e.db.View(ctx, func(tx store.Tx) error {
		_, caKey, err = e.ca(ctx, tx)
		return err
	})
	caPKCS8, err := x509.MarshalPKCS8PrivateKey(caKey)
	if err != nil {
		t.Fatal(err)
	}
	rawOTP, _ := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(otpSecret)
	secrets := map[string][]byte{
		"passphrase":          []byte(testPassphrase),
		"password":            []byte(testPassword),
		"OTP secret":          []byte(otpSecret),
		"OTP secret bytes":    rawOTP,
		"key PKCS#8":          pkcs8,
		"key PKCS#1":          pkcs1,
		"key's private prime": k.(*rsa.PrivateKey).Primes[0].Bytes(),
		"CA key PKCS#8":       caPKCS8,
		"NIK":                 []byte(testNIK),
		"passphrase (UTF-16)": []byte("T\x00a\x00n\x00d\x00a\x00#\x00"),
	}
	for what, sec := range linkSecrets {
		secrets[what] = []byte(sec)
	}
	search := func(when string) {
		n := 0
		filepath.WalkDir(filepath.Dir(e.opts.Path), func(path string, de fs.DirEntry, err error) error {
			if err != nil || de.IsDir() {
				return err
			}
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			n++
			for what, sec := range secrets {
				if bytes.Contains(b, sec) {
					t.Errorf("%s: %s holds the %s in clear", when, filepath.Base(path), what)
				}
			}
			return nil
		})
		if n < 2 {
			t.Fatalf("%s: only %d files searched", when, n)
		}
	}
	search("open")
	e.Close()
	search("closed")
}
