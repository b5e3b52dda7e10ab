package screens

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/pdfsign"
	"github.com/natunakab/besign/pdfsign/testpdf"
	"github.com/natunakab/besign/pdfsign/timestamp"
	"github.com/natunakab/besign/signjob/batch"
)

// A PAdES B-T signature from the organisation's TSA: the card shows the
// token's time as the signing time with the TSA's name, the signer's own
// clock apart, and the timestamp row.
func TestVerifyDocumentTimestamp(t *testing.T) {
	h, chain := signingHarness(t)
	is, err := h.auth.TimeStampIssuer(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(is)
	defer srv.Close()
	c, _ := timestamp.NewClient(srv.URL, nil)
	dir := t.TempDir()
	in, out := filepath.Join(dir, "surat.pdf"), filepath.Join(dir, "surat_signed.pdf")
	os.WriteFile(in, testpdf.Base(), 0o644)
	b := batch.New(1, chain[0].PublicKey, func(digests [][]byte) ([][]byte, error) {
		resp, err := h.auth.SignDigests(context.Background(), authority.SignDigestsRequest{
			Token: h.ui.state.session.Token, Passphrase: "Contoh2!", Digests: digests})
		return resp.Signatures, err
	})
	m := b.Member()
	defer m.Finish()
	stamp := func(d []byte) ([]byte, error) {
		tok, err := c.Stamp(context.Background(), d)
		if err != nil {
			return nil, err
		}
		return tok.DER, nil
	}
	if err := pdfsign.SignFile(in, out, pdfsign.Options{Signer: m, Chain: chain, TimeStamp: stamp}, pdfsign.FileOptions{}); err != nil {
		t.Fatal(err)
	}
	rows := cardRows(t, h.openInTab(out), 0)
	tsa := is.Chain[0].Subject.CommonName
	wantRow(t, rows, "Hasil", "Valid")
	wantRow(t, rows, "Waktu penandatanganan", "(cap waktu dari "+tsa+")")
	wantRow(t, rows, "Jam penanda tangan", "(menurut penanda tangan)")
	wantRow(t, rows, "Cap waktu", "(dari otoritas cap waktu)")
	if at := strings.TrimSuffix(rows["Waktu penandatanganan"], " (cap waktu dari "+tsa+")"); !strings.HasPrefix(rows["Cap waktu"], at) {
		t.Errorf("signing time %q is not the timestamp's %q", at, rows["Cap waktu"])
	}
	checkRowsAgree(t, "B-T", rows)
}

// The TSA's failures are worded for the person, not as Go errors.
func TestTimestampMessages(t *testing.T) {
	for _, c := range []struct {
		err  error
		want string
	}{
		{timestamp.ErrUnreachable, "TSA tidak dapat dihubungi"},
		{timestamp.ErrRefused, "TSA tidak memberikan cap waktu yang sah"},
		{pdfsign.ErrTimeStamp, "TSA tidak memberikan cap waktu yang sah"},
	} {
		if got := message(c.err); !strings.HasPrefix(got, c.want) {
			t.Errorf("%v: %q", c.err, got)
		}
	}
}
