package signjob

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"image"
	"image/jpeg"
	"os"
	"path/filepath"
	"testing"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/authority/embedded"
	"github.com/natunakab/besign/pdfsign/testpdf"
	"github.com/natunakab/besign/pdfsign/testpki"
)

const passphrase = "Tanda#Tangan2026"

// account is a verified account with a certificate in a real embedded
// authority on a temporary SQLite file.
type account struct {
	a     *embedded.Authority
	token string
	chain []*x509.Certificate
}

func newAccount(t testing.TB) *account { return newAccountWith(t, nil) }

// newAccountWith is newAccount with the authority's options edited first.
func newAccountWith(t testing.TB, edit func(*embedded.Options)) *account {
	t.Helper()
	opts := embedded.DefaultOptions()
	opts.Path = filepath.Join(t.TempDir(), "authority.db")
	opts.MasterKey = bytes.Repeat([]byte{7}, authority.MasterKeySize)
	opts.AutoApproveActivations = true
	opts.Logf = func(string, ...any) {}
	if edit != nil {
		edit(&opts)
	}
	a, err := embedded.Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	ctx := context.Background()
	const email = "siti@natunakab.go.id"
	if _, err := a.CreateUser(ctx, authority.CreateUserRequest{Name: "Siti Rahmawati", Email: email}); err != nil {
		t.Fatal(err)
	}
	s, err := a.LocalSession(ctx, email)
	if err != nil {
		t.Fatal(err)
	}
	img := image.NewGray(image.Rect(0, 0, 300, 360))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 7)
	}
	var photo bytes.Buffer
	jpeg.Encode(&photo, img, nil)
	if _, err := a.SubmitActivation(ctx, authority.ActivationRequest{Token: s.Token, Data: authority.ActivationData{
		Name: "Siti Rahmawati", NIK: "2103015901950003", GelarDepan: "-", GelarBelakang: "S.Kom.", Phone: "081234567890",
		Employment: authority.EmploymentASN, NIP: "199501192022032003", Unit: "Diskominfo", Jabatan: "Pranata Komputer",
		Province: "21", Photo: photo.Bytes(), Consent: true}}); err != nil {
		t.Fatal(err)
	}
	info, err := a.CreatePassphrase(ctx, authority.CreatePassphraseRequest{Token: s.Token, Passphrase: passphrase, Confirmation: passphrase, Consent: true})
	if err != nil {
		t.Fatal(err)
	}
	acc := &account{a: a, token: s.Token}
	for _, der := range info.Chain {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		acc.chain = append(acc.chain, c)
	}
	return acc
}

// job signs through the authority with the passphrase p, counting calls.
func (acc *account) job(p string, calls *int) Job {
	sign := WithAuthority(acc.a, acc.token, p)
	return Job{
		Sign: func(ctx context.Context, digests [][]byte) ([][]byte, error) {
			if calls != nil {
				*calls++
			}
			return sign(ctx, digests)
		},
		Chain: acc.chain,
		Name:  "Siti Rahmawati, S.Kom.", NIP: "199501192022032003", Jabatan: "Pranata Komputer",
	}
}

func (acc *account) failures(t testing.TB) int {
	t.Helper()
	info, err := acc.a.Certificate(context.Background(), acc.token)
	if err != nil {
		t.Fatal(err)
	}
	return info.Failures
}

// localKey is the key of the newest localJob, for a Job.Key.
var localKey crypto.Signer

// localJob signs with a test key in memory (pdfsign/testpki), for tests
// about the files rather than the authority.
func localJob(t testing.TB) Job {
	t.Helper()
	p := testpki.New(testpki.LeafOptions{ECDSA: true})
	localKey = p.Key
	return Job{
		Sign: func(_ context.Context, digests [][]byte) ([][]byte, error) {
			out := make([][]byte, len(digests))
			for i, d := range digests {
				s, err := p.Key.Sign(rand.Reader, d, crypto.SHA256)
				if err != nil {
					return nil, err
				}
				out[i] = s
			}
			return out, nil
		},
		Chain: p.Chain(),
		Name:  "Uji Lokal",
	}
}

// onePage writes a one-page PDF (300 x 300 points) named name into dir and
// returns it as a document with its fingerprint taken.
func onePage(t testing.TB, dir, name string) Document {
	t.Helper()
	return fileDoc(t, filepath.Join(dir, name), testpdf.Base())
}

func fileDoc(t testing.TB, path string, content []byte) Document {
	t.Helper()
	if err := os.WriteFile(path, content, 0o644); err != nil {
		t.Fatal(err)
	}
	fp, err := Take(path)
	if err != nil {
		t.Fatal(err)
	}
	return Document{Path: path, Fingerprint: fp, Settings: authority.SignatureSettings{
		Page: 1, Box: authority.Box{X: 20, Y: 20, W: 200, H: 80}, Reason: "Menyetujui", Location: "Ranai"}}
}

// temps lists pdfsign's temporary files left in dir.
func temps(dir string) []string {
	m, _ := filepath.Glob(filepath.Join(dir, ".besign-*"))
	return m
}
