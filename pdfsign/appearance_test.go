package pdfsign

import (
	"bytes"
	"os"
	"regexp"
	"slices"
	"testing"
	"time"
)

// idLabels are the stamp's Indonesian labels, as the app and the CLI give
// them (assets.StampLabels("id") is tested to be these).
var idLabels = Labels{SignedBy: "Ditandatangani secara elektronik oleh:", NIP: "NIP.", Date: "Tanggal:", Reason: "Alasan:", Location: "Lokasi:"}

var stampTime = time.Date(2026, 12, 7, 10, 30, 0, 0, time.FixedZone("WIB", 7*3600))

func stampAppearance(l Labels) Appearance {
	return Appearance{Rect: Rect{W: 220, H: 70}, NIP: "199501192022032003", Jabatan: "Kepala Bidang Keuangan",
		QR: "https://besign.natunakab.go.id/verify?id=123", Labels: l}
}

// stampLines are the texts the appearance's content shows, in order.
func stampLines(t *testing.T, a Appearance) []string {
	t.Helper()
	ap, err := buildAppearance(&a, "Siti Aminah", stampTime, "Menyetujui dokumen", "Ranai, Natuna")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range regexp.MustCompile(`\((.*)\) Tj`).FindAllSubmatch(ap.content, -1) {
		out = append(out, string(m[1]))
	}
	return out
}

// TestStampIndonesian: with the Indonesian labels the stamp is drawn byte
// for byte as before its labels came from the caller (the golden file was
// written by the code that hard-coded them).
func TestStampIndonesian(t *testing.T) {
	want, err := os.ReadFile("testdata/stamp_id.golden")
	if err != nil {
		t.Fatal(err)
	}
	a := stampAppearance(idLabels)
	ap, err := buildAppearance(&a, "Siti Aminah", stampTime, "Menyetujui dokumen", "Ranai, Natuna")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ap.content, want) {
		t.Fatalf("the Indonesian stamp differs from before:\n%s\nwant:\n%s", ap.content, want)
	}
}

// TestStampLabels: the stamp says what the caller's labels say, and an
// empty label leaves its value alone.
func TestStampLabels(t *testing.T) {
	en := Labels{SignedBy: "Electronically signed by:", NIP: "NIP.", Date: "Date:", Reason: "Reason:", Location: "Location:"}
	for _, c := range []struct {
		name   string
		labels Labels
		want   []string
	}{
		{"en", en, []string{"Electronically signed by:", "Siti Aminah", "NIP. 199501192022032003", "Kepala Bidang Keuangan",
			"Date: 2026-12-07 10:30:00 +07:00", "Reason: Menyetujui dokumen", "Location: Ranai, Natuna"}},
		{"none", Labels{}, []string{"Siti Aminah", "199501192022032003", "Kepala Bidang Keuangan",
			"2026-12-07 10:30:00 +07:00", "Menyetujui dokumen", "Ranai, Natuna"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := stampLines(t, stampAppearance(c.labels)); !slices.Equal(got, c.want) {
				t.Fatalf("lines %q, want %q", got, c.want)
			}
		})
	}
}
