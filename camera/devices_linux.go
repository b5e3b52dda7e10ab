package camera

import (
	"errors"
	"io/fs"
	"strings"

	"github.com/blackjack/webcam"
	"github.com/pion/mediadevices/pkg/driver"
)

// listable drops the V4L2 nodes that cannot capture: a UVC camera also has a metadata node (video1
// beside video0), which mediadevices lists as a camera without a name because it could not query it.
// A node this user may not open stays listed, so that opening it says ErrPermission.
func listable(info driver.Info) bool {
	if card, _, _ := strings.Cut(info.Name, ";"); card != "" {
		return true
	}
	_, node, ok := strings.Cut(info.Label, ";")
	if !ok || node == "" || strings.Contains(node, "/") {
		return true // not a V4L2 node (mediadevices' test camera)
	}
	return capturable("/dev/" + node)
}

func capturable(path string) bool {
	w, err := webcam.Open(path)
	if err != nil {
		return errors.Is(err, fs.ErrPermission)
	}
	w.Close()
	return true
}
