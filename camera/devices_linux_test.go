package camera

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/pion/mediadevices/pkg/driver"
)

func TestListableDropsNodesThatCannotCapture(t *testing.T) {
	notCamera := filepath.Join(t.TempDir(), "video7")
	if err := os.WriteFile(notCamera, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if capturable(notCamera) {
		t.Error("a regular file counts as a capture device")
	}
	if capturable("/dev/no-such-video-node") {
		t.Error("a missing node counts as a capture device")
	}
	for _, c := range []struct {
		info driver.Info
		want bool
	}{
		{driver.Info{Name: "Integrated Camera: Integrated C;usb-0000:00:14.0-8", Label: "video0;video0"}, true},
		{driver.Info{Label: "VideoTest"}, true},
		{driver.Info{Name: ";", Label: "video-no-such-node;video-no-such-node"}, false},
	} {
		if got := listable(c.info); got != c.want {
			t.Errorf("listable(%+v) = %v, want %v", c.info, got, c.want)
		}
	}
}
