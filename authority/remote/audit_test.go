package remote

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"image"
	"image/jpeg"
	"testing"
	"time"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/authority/embedded"
	"github.com/natunakab/besign/authority/httpapi"
)

// A signature made through the server leaves an audit row with the
// account, the digests and the client the server saw (loopback and the
// client's user agent); only the admin key reads the log.
func TestAuditOverHTTPS(t *testing.T) {
	ctx := context.Background()
	e := openEmbedded(t, time.Now, func(o *embedded.Options) { o.AutoApproveActivations = true })
	signer, _ := serve(t, e, false)
	admin, _ := serve(t, e, true)
	const email, passphrase = "siti@natunakab.go.id", "Tanda#Tangan2026"
	if _, err := e.CreateUser(ctx, authority.CreateUserRequest{Name: "Siti Rahmawati", Email: email}); err != nil {
		t.Fatal(err)
	}
	ses, err := e.LocalSession(ctx, email)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.SubmitActivation(ctx, authority.ActivationRequest{Token: ses.Token, Data: authority.ActivationData{
		Name: "Siti Rahmawati", NIK: "2103015901950003", GelarDepan: "-", GelarBelakang: "S.Kom.", Phone: "081234567890",
		Employment: authority.EmploymentOther, Unit: "Diskominfo", Jabatan: "Pranata Komputer",
		Province: "21", Photo: testJPEG(), Consent: true}}); err != nil {
		t.Fatalf("SubmitActivation: %v", err)
	}
	info, err := e.CreatePassphrase(ctx, authority.CreatePassphraseRequest{Token: ses.Token, Passphrase: passphrase, Confirmation: passphrase, Consent: true})
	if err != nil {
		t.Fatalf("CreatePassphrase: %v", err)
	}
	before := time.Now()
	var digests [][]byte
	for _, s := range []string{"surat-1", "surat-2", "surat-3"} {
		d := sha256.Sum256([]byte(s))
		digests = append(digests, d[:])
	}
	if _, err := signer.SignDigests(ctx, authority.SignDigestsRequest{Token: ses.Token, Passphrase: passphrase, Digests: digests}); err != nil {
		t.Fatalf("SignDigests: %v", err)
	}
	// A wrong passphrase signs nothing and leaves no row.
	if _, err := signer.SignDigests(ctx, authority.SignDigestsRequest{Token: ses.Token, Passphrase: "Salah#2026x", Digests: digests}); !errors.Is(err, authority.ErrPassphraseWrong) {
		t.Fatalf("wrong passphrase: %v", err)
	}

	if _, err := signer.Audit(ctx, time.Time{}); !errors.Is(err, httpapi.ErrAdminRequired) {
		t.Fatalf("a signer read the audit log: %v", err)
	}
	log, err := admin.Audit(ctx, time.Time{})
	if err != nil || len(log) != 1 {
		t.Fatalf("Audit: %d rows, %v", len(log), err)
	}
	a := log[0]
	if a.Account != email || a.Client.Address != "127.0.0.1" || a.Client.UserAgent != UserAgent || a.At.Before(before.Add(-time.Second)) {
		t.Errorf("audit row %+v", a)
	}
	if len(a.Digests) != 3 || !bytes.Equal(bytes.Join(a.Digests, nil), bytes.Join(digests, nil)) {
		t.Errorf("audit digests %x, want %x", a.Digests, digests)
	}
	if a.Serial == "" || info.Serial == "" || a.Serial != info.Serial {
		t.Errorf("audit serial %q, certificate %q", a.Serial, info.Serial)
	}
	if later, err := admin.Audit(ctx, a.At.Add(time.Nanosecond)); err != nil || len(later) != 0 {
		t.Errorf("since after the row: %d rows, %v", len(later), err)
	}
}

// testJPEG is a small photo that passes the activation's checks.
func testJPEG() []byte {
	img := image.NewGray(image.Rect(0, 0, 300, 360))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 7)
	}
	var b bytes.Buffer
	jpeg.Encode(&b, img, nil)
	return b.Bytes()
}
