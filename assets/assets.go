// Package assets bundles BeSign Desktop's icon, illustrations, texts (privacy
// policy, certificate agreement) and its Indonesian and English
// translations, and selects the language the IT configuration asks for.
package assets

import (
	"embed"
	"errors"
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
)

//go:embed icon.png
var iconPNG []byte

//go:embed translations/*.json
var translations embed.FS

//go:embed texts/*.txt
var texts embed.FS

// Notices is the third-party licence notices: every Go module in the
// binary with its licence texts (gen_notices.go writes it), shown in
// Tentang and shipped beside the binary in every package.
//
//go:generate go run gen_notices.go
//go:embed notices.txt
var Notices string

//go:embed foto_contoh.svg
var samplePhotoSVG []byte

// SamplePhoto is Foto Diri's sample illustration: a face inside the white
// dashed oval, as the photo should be taken.
var SamplePhoto = fyne.NewStaticResource("foto_contoh.svg", samplePhotoSVG)

// Bundled texts opened from the activation's consent.
const (
	TextPrivacy   = "privacy"   // "Kebijakan Privasi"
	TextAgreement = "agreement" // "Perjanjian pemilik sertifikat elektronik"
)

// Text returns a bundled text in language, Indonesian when it has none.
func Text(name, language string) (string, error) {
	for _, l := range []string{language, Languages[0]} {
		if b, err := texts.ReadFile("texts/" + name + "_" + l + ".txt"); err == nil {
			return string(b), nil
		}
	}
	return "", fmt.Errorf("text %q: not bundled", name)
}

// Icon is the application icon (512x512 PNG).
var Icon = fyne.NewStaticResource("icon.png", iconPNG)

// Languages the program ships, the default first.
var Languages = []string{"id", "en"}

// ErrUnknownLanguage is returned by UseLanguage for a language not shipped.
var ErrUnknownLanguage = errors.New("unknown language")

// Translation returns the embedded translation file of a language.
func Translation(language string) ([]byte, error) {
	known := false
	for _, l := range Languages {
		known = known || l == language
	}
	if !known {
		return nil, fmt.Errorf("translation %q: %w", language, ErrUnknownLanguage)
	}
	data, err := translations.ReadFile("translations/" + language + ".json")
	if err != nil {
		return nil, fmt.Errorf("translation %q: %w", language, ErrUnknownLanguage)
	}
	return data, nil
}

// UseLanguage makes every lang.L call answer in language ("id" or "en"),
// whatever the system locale says. The texts in the code are the Indonesian
// ones; each file maps them to the language's wording.
//
// fyne's lang picks the closest of its known locales to the system locale,
// falling back to English. Registering the chosen file both for the system
// locale and for English means the lookup lands on it either way; calling
// again with another language replaces every text, because both files hold
// the same keys.
func UseLanguage(language string) error {
	data, err := Translation(language)
	if err != nil {
		return err
	}
	for _, loc := range []fyne.Locale{"en", lang.SystemLocale()} {
		if err := lang.AddTranslationsForLocale(data, loc); err != nil {
			return fmt.Errorf("load translation %q: %w", language, err)
		}
	}
	return nil
}
