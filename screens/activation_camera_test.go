package screens

import (
	"image"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pion/mediadevices/pkg/driver"
	"github.com/pion/mediadevices/pkg/frame"
	"github.com/pion/mediadevices/pkg/io/video"
	"github.com/pion/mediadevices/pkg/prop"
)

// fakeCamera is a mediadevices driver that refuses to open (openErr) or
// delivers a few frames and then reports readErr, as an unplugged camera.
type fakeCamera struct {
	openErr error
	frames  int
	readErr error

	mu     sync.Mutex
	closed chan struct{}
}

func (c *fakeCamera) Open() error {
	if c.openErr != nil {
		return c.openErr
	}
	c.mu.Lock()
	c.closed = make(chan struct{})
	c.mu.Unlock()
	return nil
}

func (c *fakeCamera) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed != nil {
		close(c.closed)
		c.closed = nil
	}
	return nil
}

func (c *fakeCamera) Properties() []prop.Media {
	return []prop.Media{{Video: prop.Video{Width: 640, Height: 480, FrameRate: 30, FrameFormat: frame.FormatI420}}}
}

func (c *fakeCamera) VideoRecord(prop.Media) (video.Reader, error) {
	c.mu.Lock()
	closed := c.closed
	c.mu.Unlock()
	n := 0
	return video.ReaderFunc(func() (image.Image, func(), error) {
		select {
		case <-closed:
			return nil, func() {}, syscall.EBADF
		case <-time.After(10 * time.Millisecond):
		}
		if n >= c.frames {
			return nil, func() {}, c.readErr
		}
		n++
		return image.NewYCbCr(image.Rect(0, 0, 640, 480), image.YCbCrSubsampleRatio420), func() {}, nil
	}), nil
}

// addCamera registers c under label for the test.
func addCamera(t *testing.T, label string, c *fakeCamera) {
	t.Helper()
	driver.GetManager().Register(c, driver.Info{Label: label, DeviceType: driver.Camera})
	for _, d := range driver.GetManager().Query(func(d driver.Driver) bool { return d.Info().Label == label }) {
		id := d.ID()
		t.Cleanup(func() { driver.GetManager().Delete(id) })
	}
}

// openCameraDialog walks to Foto Diri and opens "Ambil foto" on camera label.
func openCameraDialog(t *testing.T, h *harness, label string) *cameraDialog {
	t.Helper()
	act := h.ui.act
	h.fillPersonal()
	h.tap(act.next)
	h.fillEmployment()
	h.tap(act.next)
	h.tap(act.photo.take)
	c := act.photo.cam
	if !c.device.Visible() || len(c.device.Options) < 2 {
		t.Fatalf("several cameras but no choice: %v", c.device.Options)
	}
	c.device.SetSelected(label)
	return c
}

// TestCameraRefused: a busy camera and refused permission say so and offer
// "Pilih file foto".
func TestCameraRefused(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{syscall.EBUSY, "sedang dipakai aplikasi lain"},
		{syscall.EACCES, "tidak diizinkan"},
	} {
		h, _ := signedInActivation(t)
		label := "Kamera " + tc.err.Error()
		addCamera(t, label, &fakeCamera{openErr: tc.err})
		c := openCameraDialog(t, h, label)
		h.tap(c.start)
		if c.stream != nil || !strings.Contains(shown(c.msg), tc.want) || !c.file.Visible() || c.start.Disabled() {
			t.Fatalf("%v: message %q, file offered %v", tc.err, shown(c.msg), c.file.Visible())
		}
		c.close()
		h.wait()
	}
}

// TestCameraUnplugged: a camera that goes away mid-preview ends the preview
// with a message and "Pilih file foto"; "Aktifkan Kamera" is offered again.
func TestCameraUnplugged(t *testing.T) {
	h, _ := signedInActivation(t)
	addCamera(t, "Kamera USB", &fakeCamera{frames: 3, readErr: syscall.ENODEV})
	c := openCameraDialog(t, h, "Kamera USB")
	h.tap(c.start)
	deadline := time.Now().Add(5 * time.Second)
	for c.stream != nil && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		h.wait()
	}
	if c.stream != nil || !strings.Contains(shown(c.msg), "Kamera terputus") || !c.file.Visible() || c.start.Disabled() || !c.shoot.Disabled() {
		t.Fatalf("after the unplug: stream %v, message %q", c.stream != nil, shown(c.msg))
	}
	c.close()
}
