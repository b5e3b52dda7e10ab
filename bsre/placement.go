package bsre

import (
	"fmt"
	"math"

	"github.com/natunakab/besign/authority"
)

// Origin is a visible signature's place as the v2 API takes it:
// signatureProperties' originX, originY, width and height.
//
// The guide (v2.2.1, "10. Height", the illustration of API v2) draws y = 0
// at the top of the page and y = max at the bottom-left corner, with (x, y)
// the box's top-left corner: v2 measures from the top-left of the page
// downwards, where v1's xAxis/yAxis started at the bottom-left. The guide
// says "pixel"; the service places the box with iText, whose unit is the PDF
// point (1/72 inch), which is what we send. The page is the page as a
// reader shows it (crop box, after /Rotate), as our Box is: the check of
// the returned document (package bsre/accept) reads the widget back and
// refuses a signature placed anywhere else, so a service that read these
// numbers differently could not slip a misplaced signature through.
type Origin struct {
	X      float64 `json:"originX"`
	Y      float64 `json:"originY"`
	Width  float64 `json:"width"`
	Height float64 `json:"height"`
}

// ToOrigin converts box, in PDF points on a page displayed pageW x pageH
// points with the origin at its bottom-left corner (authority.Box,
// pdfsign.Rect), to the API's top-left origin. It refuses a box that is not
// a positive rectangle on the page.
func ToOrigin(box authority.Box, pageW, pageH float64) (Origin, error) {
	for _, v := range []float64{box.X, box.Y, box.W, box.H, pageW, pageH} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return Origin{}, fmt.Errorf("%w: the signature box is not a number", ErrRequest)
		}
	}
	// half a point of slack: boxes come from a preview's pixels
	const slack = 0.5
	if box.W <= 0 || box.H <= 0 || box.X < -slack || box.Y < -slack ||
		box.X+box.W > pageW+slack || box.Y+box.H > pageH+slack {
		return Origin{}, fmt.Errorf("%w: the signature box %gx%g at %g,%g is not on the %gx%g page",
			ErrRequest, box.W, box.H, box.X, box.Y, pageW, pageH)
	}
	return Origin{X: box.X, Y: pageH - (box.Y + box.H), Width: box.W, Height: box.H}, nil
}
