package assets

import (
	"encoding/json"
	"sync"

	"github.com/natunakab/besign/pdfsign"
)

// StampLabels are the visible signature's labels in language (one of
// Languages; Indonesian for any other). The app gives the screens'
// language, the CLI the account's.
func StampLabels(language string) pdfsign.Labels {
	return pdfsign.Labels{
		SignedBy: Localize(language, "Ditandatangani secara elektronik oleh:"),
		NIP:      Localize(language, "NIP."),
		Date:     Localize(language, "Tanggal:"),
		Reason:   Localize(language, "Alasan:"),
		Location: Localize(language, "Lokasi:"),
	}
}

// Localize is text (an Indonesian text of the code, a key of the
// translation files) in language, as lang.L says it after
// UseLanguage(language) but without changing the screens' language: for
// words in another language than theirs. An unknown language reads as
// Indonesian; a text the file lacks stays as it is.
func Localize(language, text string) string {
	if v := translationMap(language)[text]; v != "" {
		return v
	}
	if language != Languages[0] {
		return Localize(Languages[0], text)
	}
	return text
}

var (
	mapsOnce sync.Once
	maps     map[string]map[string]string
)

// translationMap is language's translation file, parsed once.
func translationMap(language string) map[string]string {
	mapsOnce.Do(func() {
		maps = map[string]map[string]string{}
		for _, l := range Languages {
			data, err := Translation(l)
			if err != nil {
				continue
			}
			m := map[string]string{}
			if json.Unmarshal(data, &m) == nil {
				maps[l] = m
			}
		}
	})
	return maps[language]
}
