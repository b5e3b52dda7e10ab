package screens

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// colorNameFocusRing is the colour of the ring drawn around the focused
// button (see button): Fyne only tints a focused button's fill, which is
// invisible on a primary button.
const colorNameFocusRing fyne.ThemeColorName = "besign-focus-ring"

// appTheme is Fyne's default theme in one variant, whatever the desktop
// asks for, with the colours that fell short of WCAG AA contrast replaced
// (text 4.5:1 on the backgrounds it is drawn on, focus ring 3:1; see
// TestThemeContrast) and a focus ring colour. Fyne's light grey hints, its
// red and orange messages on white and its dark theme's disabled text were
// all below it.
type appTheme struct {
	fyne.Theme
	variant fyne.ThemeVariant
}

// NewTheme is the app's theme: light (the seeds' pages are light) unless
// dark is asked for.
func NewTheme(dark bool) fyne.Theme {
	v := theme.VariantLight
	if dark {
		v = theme.VariantDark
	}
	return &appTheme{Theme: theme.DefaultTheme(), variant: v}
}

// themeVariant reports which variant th draws (light for any theme not
// the app's).
func themeVariant(th fyne.Theme) fyne.ThemeVariant {
	if a, ok := th.(*appTheme); ok {
		return a.variant
	}
	return theme.VariantLight
}

func rgb(r, g, b uint8) color.NRGBA { return color.NRGBA{R: r, G: g, B: b, A: 0xff} }

// The replaced colours. Light: darker red, green, orange and blue for text
// on white, a mid grey for hints and disabled text. Dark: a light blue
// primary with dark text on it (white on a blue light enough to read on
// the dark background would not reach 4.5:1), a light grey for disabled
// text.
var (
	lightColors = map[fyne.ThemeColorName]color.Color{
		theme.ColorNameForeground:          rgb(0x2b, 0x2b, 0x2b),
		theme.ColorNamePlaceHolder:         rgb(0x66, 0x66, 0x66),
		theme.ColorNameDisabled:            rgb(0x66, 0x66, 0x66),
		theme.ColorNameDisabledButton:      rgb(0xec, 0xec, 0xec),
		theme.ColorNameInputBorder:         rgb(0x8a, 0x8a, 0x8a),
		theme.ColorNameError:               rgb(0xc6, 0x28, 0x28),
		theme.ColorNameForegroundOnError:   rgb(0xff, 0xff, 0xff),
		theme.ColorNameSuccess:             rgb(0x1b, 0x6e, 0x20),
		theme.ColorNameForegroundOnSuccess: rgb(0xff, 0xff, 0xff),
		theme.ColorNameWarning:             rgb(0x9a, 0x4f, 0x00),
		theme.ColorNameForegroundOnWarning: rgb(0xff, 0xff, 0xff),
		theme.ColorNamePrimary:             rgb(0x15, 0x5b, 0xc4),
		theme.ColorNameHyperlink:           rgb(0x15, 0x5b, 0xc4),
		theme.ColorNameForegroundOnPrimary: rgb(0xff, 0xff, 0xff),
		theme.ColorNameFocus:               color.NRGBA{R: 0x15, G: 0x5b, B: 0xc4, A: 0x40},
		colorNameFocusRing:                 rgb(0x0d, 0x3a, 0x80),
	}
	darkColors = map[fyne.ThemeColorName]color.Color{
		theme.ColorNamePlaceHolder:         rgb(0xb2, 0xb2, 0xb2),
		theme.ColorNameDisabled:            rgb(0x9e, 0x9e, 0x9e),
		theme.ColorNameInputBorder:         rgb(0x7a, 0x7a, 0x7a),
		theme.ColorNameError:               rgb(0xff, 0x6b, 0x60),
		theme.ColorNameForegroundOnError:   rgb(0x17, 0x17, 0x18),
		theme.ColorNameSuccess:             rgb(0x5c, 0xd6, 0x5f),
		theme.ColorNameForegroundOnSuccess: rgb(0x17, 0x17, 0x18),
		theme.ColorNameWarning:             rgb(0xff, 0xa7, 0x26),
		theme.ColorNameForegroundOnWarning: rgb(0x17, 0x17, 0x18),
		theme.ColorNamePrimary:             rgb(0x7c, 0xb3, 0xff),
		theme.ColorNameHyperlink:           rgb(0x7c, 0xb3, 0xff),
		theme.ColorNameForegroundOnPrimary: rgb(0x17, 0x17, 0x18),
		theme.ColorNameFocus:               color.NRGBA{R: 0x7c, G: 0xb3, B: 0xff, A: 0x40},
		colorNameFocusRing:                 rgb(0xff, 0xd5, 0x4f),
	}
)

// Color ignores the variant asked for: the theme is one variant.
func (t *appTheme) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	colors := lightColors
	if t.variant == theme.VariantDark {
		colors = darkColors
	}
	if c, ok := colors[n]; ok {
		return c
	}
	return t.Theme.Color(n, t.variant)
}
