package assets

import (
	"bytes"
	"encoding/json"
	"errors"
	"image/png"
	"testing"

	"fyne.io/fyne/v2/lang"

	"github.com/natunakab/besign/pdfsign"
)

func TestIcon(t *testing.T) {
	img, err := png.Decode(bytes.NewReader(Icon.Content()))
	if err != nil {
		t.Fatalf("icon is not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 512 || b.Dy() != 512 {
		t.Fatalf("icon is %dx%d, want 512x512", b.Dx(), b.Dy())
	}
}

func TestTranslationsParse(t *testing.T) {
	keys := map[string][]string{}
	for _, l := range Languages {
		data, err := Translation(l)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]string
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatalf("%s.json: %v", l, err)
		}
		for k := range m {
			keys[k] = append(keys[k], l)
		}
	}
	for k, ls := range keys {
		if len(ls) != len(Languages) {
			t.Errorf("%q only in %v", k, ls)
		}
	}
}

func TestUseLanguage(t *testing.T) {
	t.Cleanup(func() { UseLanguage("id") })
	for _, tt := range []struct{ lang, want string }{
		{"en", "Sign In"}, {"id", "Masuk"}, {"en", "Sign In"},
	} {
		if err := UseLanguage(tt.lang); err != nil {
			t.Fatal(err)
		}
		if got := lang.L("Masuk"); got != tt.want {
			t.Errorf("after UseLanguage(%q): %q, want %q", tt.lang, got, tt.want)
		}
	}
	if err := UseLanguage("fr"); !errors.Is(err, ErrUnknownLanguage) {
		t.Fatalf("UseLanguage(fr) = %v", err)
	}
	if err := UseLanguage("../icon.png"); !errors.Is(err, ErrUnknownLanguage) {
		t.Fatalf("UseLanguage(path) = %v", err)
	}
}

func TestTexts(t *testing.T) {
	for _, name := range []string{TextPrivacy, TextAgreement} {
		for _, l := range Languages {
			s, err := Text(name, l)
			if err != nil || len(s) < 200 {
				t.Errorf("%s in %s: %d characters, %v", name, l, len(s), err)
			}
		}
	}
	id, _ := Text(TextPrivacy, "id")
	if fr, err := Text(TextPrivacy, "fr"); err != nil || fr != id {
		t.Errorf("unknown language does not fall back to Indonesian: %v", err)
	}
	if _, err := Text("nothing", "id"); err == nil {
		t.Error("unknown text found")
	}
	if !bytes.Contains(SamplePhoto.Content(), []byte("stroke-dasharray")) {
		t.Error("sample illustration lacks the dashed oval")
	}
}

func TestStampLabels(t *testing.T) {
	// pdfsign's golden stamp is drawn with these (pdfsign's idLabels)
	id := pdfsign.Labels{SignedBy: "Ditandatangani secara elektronik oleh:", NIP: "NIP.", Date: "Tanggal:", Reason: "Alasan:", Location: "Lokasi:"}
	en := pdfsign.Labels{SignedBy: "Electronically signed by:", NIP: "NIP.", Date: "Date:", Reason: "Reason:", Location: "Location:"}
	for _, tt := range []struct {
		lang string
		want pdfsign.Labels
	}{{"id", id}, {"en", en}, {"", id}, {"fr", id}} {
		if got := StampLabels(tt.lang); got != tt.want {
			t.Errorf("StampLabels(%q) = %+v, want %+v", tt.lang, got, tt.want)
		}
	}
}

func TestLocalize(t *testing.T) {
	// Localize answers like lang.L, without changing the screens' language
	if err := UseLanguage("id"); err != nil {
		t.Fatal(err)
	}
	if got := Localize("en", "Masuk"); got != "Sign In" {
		t.Errorf("Localize(en, Masuk) = %q", got)
	}
	if got := lang.L("Masuk"); got != "Masuk" {
		t.Errorf("lang.L(Masuk) = %q after Localize(en)", got)
	}
	if got := Localize("en", "no such text"); got != "no such text" {
		t.Errorf("an unknown text became %q", got)
	}
}
