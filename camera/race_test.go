//go:build race

package camera

// raceEnabled: the race detector slows the pixel loops of the photo tests twentyfold.
const raceEnabled = true
