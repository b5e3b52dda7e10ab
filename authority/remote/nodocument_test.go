package remote

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"image"
	"image/jpeg"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/authority/embedded"
	"github.com/natunakab/besign/authority/httpapi"
	"github.com/natunakab/besign/signjob"
)

// Signing a real PDF through the client sends the server one SignDigests
// request holding a 32-byte digest, the session and the passphrase: no
// window of the document's bytes appears in anything the client sent,
// as it is or base64-decoded, and the output is a valid signature.
func TestSigningSendsNoDocumentBytes(t *testing.T) {
	ctx := context.Background()
	e := openEmbedded(t, time.Now, func(o *embedded.Options) { o.AutoApproveActivations = true })
	c, rec := serve(t, e, false) // a signer's client: no admin key
	const email, passphrase = "siti@natunakab.go.id", "Tanda#Tangan2026"
	if _, err := e.CreateUser(ctx, authority.CreateUserRequest{Name: "Siti Rahmawati", Email: email}); err != nil {
		t.Fatal(err)
	}
	ses, err := e.LocalSession(ctx, email)
	if err != nil {
		t.Fatal(err)
	}
	img := image.NewGray(image.Rect(0, 0, 300, 360))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 7)
	}
	var photo bytes.Buffer
	jpeg.Encode(&photo, img, nil)
	if _, err := c.SubmitActivation(ctx, authority.ActivationRequest{Token: ses.Token, Data: authority.ActivationData{
		Name: "Siti Rahmawati", NIK: "2103015901950003", GelarDepan: "-", GelarBelakang: "S.Kom.", Phone: "081234567890",
		Employment: authority.EmploymentASN, NIP: "199501192022032003", Unit: "Diskominfo", Jabatan: "Pranata Komputer",
		Province: "21", Photo: photo.Bytes(), Consent: true}}); err != nil {
		t.Fatalf("SubmitActivation: %v", err)
	}
	info, err := c.CreatePassphrase(ctx, authority.CreatePassphraseRequest{Token: ses.Token, Passphrase: passphrase, Confirmation: passphrase, Consent: true})
	if err != nil {
		t.Fatalf("CreatePassphrase: %v", err)
	}
	var chain []*x509.Certificate
	for _, der := range info.Chain {
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		chain = append(chain, cert)
	}

	doc, err := os.ReadFile(filepath.Join("..", "..", "pdfsign", "testdata", "corpus", "go-lecture.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "surat.pdf")
	if err := os.WriteFile(in, doc, 0o644); err != nil {
		t.Fatal(err)
	}
	fp, err := signjob.Take(in)
	if err != nil {
		t.Fatal(err)
	}
	rec.take() // only what signing sends
	res := signjob.Run(ctx, signjob.Job{
		Sign:  signjob.WithAuthority(c, ses.Token, passphrase),
		Chain: chain,
		Name:  "Siti Rahmawati, S.Kom.", NIP: "199501192022032003", Jabatan: "Pranata Komputer",
	}, []signjob.Document{{Path: in, Fingerprint: fp, Settings: authority.SignatureSettings{
		Page: 1, Box: authority.Box{X: 20, Y: 20, W: 200, H: 80}, Reason: "Menyetujui", Location: "Ranai"}}})
	if res[0].Err != nil {
		t.Fatalf("signing through the client: %v", res[0].Err)
	}
	sent := rec.take()

	if len(sent) != 1 || sent[0].Path != httpapi.SignDigests.Path {
		t.Fatalf("signing sent %d requests (%v), want one to %s", len(sent), paths(sent), httpapi.SignDigests.Path)
	}
	var req authority.SignDigestsRequest
	dec := json.NewDecoder(bytes.NewReader(sent[0].Body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		t.Fatalf("the SignDigests body is not just the contract's request: %v\n%s", err, sent[0].Body)
	}
	if len(req.Digests) != 1 || len(req.Digests[0]) != 32 || req.Token != ses.Token || req.Passphrase != passphrase {
		t.Errorf("SignDigests request: %d digests of %d bytes", len(req.Digests), len(req.Digests[0]))
	}
	if n := len(sent[0].Body); n > 512 {
		t.Errorf("the request has %d bytes for one digest (the document has %d)", n, len(doc))
	}
	if got := sent[0].Header.Get(httpapi.AuthHeader); got != "" {
		t.Errorf("a signer's client sent an Authorization header: %q", got)
	}
	// Every piece of what was sent, as it is and base64-decoded, is
	// looked for in the document.
	pieces := [][]byte{sent[0].Body}
	for _, s := range jsonStrings(t, sent[0].Body) {
		pieces = append(pieces, []byte(s))
		if b, err := base64.StdEncoding.DecodeString(s); err == nil {
			pieces = append(pieces, b)
		}
	}
	const window = 16
	for _, p := range pieces {
		for i := 0; i+window <= len(p); i++ {
			if bytes.Contains(doc, p[i:i+window]) {
				t.Errorf("the document's bytes %q were sent", p[i:i+window])
				break
			}
		}
	}

	out, err := exec.Command("pdfsig", res[0].Output).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "Signature Validation: Signature is Valid.") {
		t.Errorf("pdfsig %s: %v\n%s", res[0].Output, err, out)
	}
}

func paths(ex []exchange) []string {
	var p []string
	for _, e := range ex {
		p = append(p, e.Path)
	}
	return p
}

// jsonStrings returns every string value in a JSON document.
func jsonStrings(t *testing.T, b []byte) []string {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case string:
			out = append(out, v)
		case []any:
			for _, x := range v {
				walk(x)
			}
		case map[string]any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(v)
	return out
}
