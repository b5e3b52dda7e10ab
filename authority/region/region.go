// Package region holds Indonesia's 38 provinces with their official
// two-digit codes (the first two digits of a NIK), in one table.
package region

import "strings"

// Province is one province: its code and its name.
type Province struct {
	Code string `json:"code"` // two digits, as in a NIK ("21")
	Name string `json:"name"` // "Kepulauan Riau"
}

// Provinces lists the 38 provinces in order of their codes (Kemendagri).
var Provinces = []Province{
	{"11", "Aceh"},
	{"12", "Sumatera Utara"},
	{"13", "Sumatera Barat"},
	{"14", "Riau"},
	{"15", "Jambi"},
	{"16", "Sumatera Selatan"},
	{"17", "Bengkulu"},
	{"18", "Lampung"},
	{"19", "Kepulauan Bangka Belitung"},
	{"21", "Kepulauan Riau"},
	{"31", "DKI Jakarta"},
	{"32", "Jawa Barat"},
	{"33", "Jawa Tengah"},
	{"34", "DI Yogyakarta"},
	{"35", "Jawa Timur"},
	{"36", "Banten"},
	{"51", "Bali"},
	{"52", "Nusa Tenggara Barat"},
	{"53", "Nusa Tenggara Timur"},
	{"61", "Kalimantan Barat"},
	{"62", "Kalimantan Tengah"},
	{"63", "Kalimantan Selatan"},
	{"64", "Kalimantan Timur"},
	{"65", "Kalimantan Utara"},
	{"71", "Sulawesi Utara"},
	{"72", "Sulawesi Tengah"},
	{"73", "Sulawesi Selatan"},
	{"74", "Sulawesi Tenggara"},
	{"75", "Gorontalo"},
	{"76", "Sulawesi Barat"},
	{"81", "Maluku"},
	{"82", "Maluku Utara"},
	{"91", "Papua Barat"},
	{"92", "Papua Barat Daya"},
	{"94", "Papua"},
	{"95", "Papua Selatan"},
	{"96", "Papua Tengah"},
	{"97", "Papua Pegunungan"},
}

// ByCode returns the province with the code, and whether there is one.
func ByCode(code string) (Province, bool) {
	for _, p := range Provinces {
		if p.Code == code {
			return p, true
		}
	}
	return Province{}, false
}

// Find returns the province a text names: its code or its name, in any
// case and spacing ("kepulauan riau", "21"). Anything else, such as a
// regency's name ("NATUNA"), is not found.
func Find(s string) (Province, bool) {
	s = strings.Join(strings.Fields(s), " ")
	if p, ok := ByCode(s); ok {
		return p, true
	}
	for _, p := range Provinces {
		if strings.EqualFold(p.Name, s) {
			return p, true
		}
	}
	return Province{}, false
}

// Names lists the province names in table order (for a choice widget).
func Names() []string {
	out := make([]string, len(Provinces))
	for i, p := range Provinces {
		out[i] = p.Name
	}
	return out
}
