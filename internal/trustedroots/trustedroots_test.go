package trustedroots

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/natunakab/besign/pdfsign/testpki"
)

func pemOf(t *testing.T, certs ...[]byte) []byte {
	t.Helper()
	var b []byte
	for _, der := range certs {
		b = append(b, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})...)
	}
	return b
}

func TestParse(t *testing.T) {
	p := testpki.New(testpki.LeafOptions{})
	if cs, err := Parse(p.Root.Raw); err != nil || len(cs) != 1 || !cs[0].Equal(p.Root) {
		t.Fatalf("DER: %v %v", cs, err)
	}
	// a bundle: text around the blocks and a key block are skipped
	bundle := append([]byte("Akar BeSign\n"), pemOf(t, p.Root.Raw, p.CA.Raw)...)
	bundle = append(bundle, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte{1}})...)
	if cs, err := Parse(bundle); err != nil || len(cs) != 2 || !cs[1].Equal(p.CA) {
		t.Fatalf("PEM bundle: %d %v", len(cs), err)
	}
	for name, data := range map[string][]byte{
		"garbage":   []byte("bukan sertifikat"),
		"empty":     nil,
		"bad PEM":   pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte("xx")}),
		"key only":  pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte{1}}),
		"truncated": p.Root.Raw[:100],
	} {
		if _, err := Parse(data); !errors.Is(err, ErrNoCertificate) {
			t.Errorf("%s: %v, want ErrNoCertificate", name, err)
		}
	}
	// a signer's certificate is no root, alone or in a bundle
	for name, data := range map[string][]byte{"DER": p.Leaf.Raw, "bundle": pemOf(t, p.Root.Raw, p.Leaf.Raw)} {
		if _, err := Parse(data); !errors.Is(err, ErrNotCA) {
			t.Errorf("leaf %s: %v, want ErrNotCA", name, err)
		}
	}
}

func TestAddListRemove(t *testing.T) {
	data := t.TempDir()
	if roots, problems, err := List(data); roots != nil || problems != nil || err != nil {
		t.Fatalf("no folder: %v %v %v", roots, problems, err)
	}
	a, b := testpki.New(testpki.LeafOptions{}), testpki.New(testpki.LeafOptions{})
	added, err := Add(data, []*x509.Certificate{a.Root})
	if err != nil || len(added) != 1 {
		t.Fatal(added, err)
	}
	want := filepath.Join(data, DirName, Fingerprint(a.Root)+".der")
	if added[0].File != want {
		t.Fatalf("kept in %s, want %s", added[0].File, want)
	}
	if got, _ := os.ReadFile(want); string(got) != string(a.Root.Raw) {
		t.Fatal("the file is not the DER")
	}
	if st, _ := os.Stat(Dir(data)); runtime.GOOS != "windows" && st.Mode().Perm() != 0o700 {
		t.Errorf("folder mode %v", st.Mode().Perm())
	}
	// adding again changes nothing
	if _, err := Add(data, []*x509.Certificate{a.Root}); err != nil {
		t.Fatal(err)
	}
	// IT deploys a PEM bundle and a broken file beside it
	bundle := filepath.Join(Dir(data), "dinas.pem")
	os.WriteFile(bundle, pemOf(t, b.Root.Raw, b.CA.Raw), 0o644)
	os.WriteFile(filepath.Join(Dir(data), "rusak.crt"), []byte("rusak"), 0o644)
	os.WriteFile(filepath.Join(Dir(data), "README.txt"), []byte("not read"), 0o644)
	roots, problems, err := List(data)
	if err != nil || len(roots) != 3 || len(problems) != 1 || filepath.Base(problems[0].File) != "rusak.crt" {
		t.Fatalf("list: %d roots, problems %v, %v", len(roots), problems, err)
	}
	pool, err := Pool(data)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Leaf.Verify(x509VerifyOptions(pool, b)); err != nil {
		t.Fatalf("the pool does not hold the deployed root: %v", err)
	}

	// removing one certificate of the bundle keeps the other
	if err := Remove(data, Fingerprint(b.Root)); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(bundle); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("bundle still there: %v", err)
	}
	roots, _, _ = List(data)
	var fps []string
	for _, r := range roots {
		fps = append(fps, r.Fingerprint)
	}
	if len(roots) != 2 || (fps[0] != Fingerprint(b.CA) && fps[1] != Fingerprint(b.CA)) {
		t.Fatalf("after removing b's root: %v", fps)
	}
	if err := Remove(data, Fingerprint(b.Root)); !errors.Is(err, ErrNotFound) {
		t.Errorf("removing twice: %v", err)
	}
	if err := Remove(data, Fingerprint(a.Root)); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(want); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a's root still kept: %v", err)
	}
}

// A bundle named after one of its certificates keeps that one when another
// is removed.
func TestRemoveFromBundleNamedAfterMember(t *testing.T) {
	data := t.TempDir()
	p := testpki.New(testpki.LeafOptions{})
	os.MkdirAll(Dir(data), 0o700)
	file := filepath.Join(Dir(data), Fingerprint(p.CA)+".der")
	os.WriteFile(file, pemOf(t, p.Root.Raw, p.CA.Raw), 0o600)
	if err := Remove(data, Fingerprint(p.Root)); err != nil {
		t.Fatal(err)
	}
	roots, _, _ := List(data)
	if len(roots) != 1 || !roots[0].Cert.Equal(p.CA) {
		t.Fatalf("left %d roots", len(roots))
	}
}

func x509VerifyOptions(roots *x509.CertPool, p *testpki.PKI) x509.VerifyOptions {
	inter := x509.NewCertPool()
	inter.AddCert(p.CA)
	return x509.VerifyOptions{Roots: roots, Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}
}
