package filechooser

import (
	"path"
	"slices"
	"testing"
	"unicode/utf16"
)

// The common dialog's filter lists each pattern once, and its answer is
// read as one path or a folder and names.
func TestCommonDialogStrings(t *testing.T) {
	f := utf16z(filterString([]Filter{{Name: "PDF", Patterns: []string{"*.pdf", "*.PDF"}}}))
	if got := string(utf16.Decode(f)); got != "PDF\x00*.pdf\x00\x00" {
		t.Fatalf("filter %q", got)
	}
	buf := append(utf16.Encode([]rune("C:\\Dok\x00surat.pdf\x00lampiran ä.pdf\x00\x00")), make([]uint16, 10)...)
	if got := splitResult(buf, path.Join); !slices.Equal(got, []string{"C:\\Dok/surat.pdf", "C:\\Dok/lampiran ä.pdf"}) {
		t.Fatalf("several: %q", got)
	}
	one := append(utf16.Encode([]rune("C:\\Dok\\surat.pdf\x00")), make([]uint16, 10)...)
	if got := splitResult(one, path.Join); !slices.Equal(got, []string{"C:\\Dok\\surat.pdf"}) {
		t.Fatalf("one: %q", got)
	}
}
