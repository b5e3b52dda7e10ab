package screens

import (
	"image/color"
	"math"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// luminance is WCAG 2's relative luminance of c (alpha ignored: every
// colour checked here is opaque).
func luminance(c color.Color) float64 {
	r, g, b, _ := c.RGBA()
	lin := func(v uint32) float64 {
		s := float64(v) / 0xffff
		if s <= 0.03928 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(r) + 0.7152*lin(g) + 0.0722*lin(b)
}

// contrast is WCAG 2's contrast ratio of two colours, 1 to 21.
func contrast(a, b color.Color) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

// WCAG AA in both themes: every text colour the screens use (body text,
// hints and placeholders, unmet rules and other messages in the error,
// warning and success colours, links, disabled text) reaches 4.5:1 on every
// background it is drawn on, text on coloured buttons 4.5:1 on them, and
// the focus ring and entry borders (UI components) 3:1.
func TestThemeContrast(t *testing.T) {
	texts := []fyne.ThemeColorName{theme.ColorNameForeground, theme.ColorNamePlaceHolder, theme.ColorNameDisabled,
		theme.ColorNameError, theme.ColorNameWarning, theme.ColorNameSuccess, theme.ColorNamePrimary, theme.ColorNameHyperlink}
	grounds := []fyne.ThemeColorName{theme.ColorNameBackground, theme.ColorNameInputBackground,
		theme.ColorNameOverlayBackground, theme.ColorNameMenuBackground, theme.ColorNameHeaderBackground}
	type pair struct {
		fg, bg fyne.ThemeColorName
		min    float64
	}
	var pairs []pair
	for _, fg := range texts {
		for _, bg := range grounds {
			pairs = append(pairs, pair{fg, bg, 4.5})
		}
	}
	pairs = append(pairs,
		pair{theme.ColorNameForeground, theme.ColorNameButton, 4.5},
		pair{theme.ColorNameDisabled, theme.ColorNameDisabledButton, 4.5},
		pair{theme.ColorNameForegroundOnPrimary, theme.ColorNamePrimary, 4.5},
		pair{theme.ColorNameForegroundOnError, theme.ColorNameError, 4.5},
		pair{theme.ColorNameForegroundOnSuccess, theme.ColorNameSuccess, 4.5},
		pair{theme.ColorNameForegroundOnWarning, theme.ColorNameWarning, 4.5},
		pair{colorNameFocusRing, theme.ColorNameBackground, 3},
		pair{colorNameFocusRing, theme.ColorNameOverlayBackground, 3},
		pair{theme.ColorNameInputBorder, theme.ColorNameBackground, 3},
	)
	for _, dark := range []bool{false, true} {
		th := NewTheme(dark)
		for _, p := range pairs {
			// the variant asked for must not matter: the theme is one
			for _, v := range []fyne.ThemeVariant{theme.VariantLight, theme.VariantDark} {
				fg, bg := th.Color(p.fg, v), th.Color(p.bg, v)
				if _, _, _, a := fg.RGBA(); a != 0xffff {
					t.Errorf("dark=%v: %s is not opaque", dark, p.fg)
				}
				if r := contrast(fg, bg); r < p.min {
					t.Errorf("dark=%v: %s on %s: %.2f:1, want %.1f:1", dark, p.fg, p.bg, r, p.min)
				}
			}
		}
	}
	// the light theme is the default, as the seeds' pages are light
	if themeVariant(NewTheme(false)) != theme.VariantLight || themeVariant(NewTheme(true)) != theme.VariantDark {
		t.Error("NewTheme's variants are the wrong way round")
	}
}
