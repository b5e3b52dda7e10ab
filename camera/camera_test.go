package camera

import (
	"errors"
	"fmt"
	"image"
	"io"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/pion/mediadevices/pkg/driver"
	_ "github.com/pion/mediadevices/pkg/driver/videotest" // mediadevices' fake camera: 640x480 YUYV at 30 fps
	"github.com/pion/mediadevices/pkg/frame"
	"github.com/pion/mediadevices/pkg/io/video"
	"github.com/pion/mediadevices/pkg/prop"
)

// videotestID finds mediadevices' fake camera among the devices.
func videotestID(t testing.TB) string {
	t.Helper()
	for _, d := range Devices() {
		if d.Label == "VideoTest" {
			return d.ID
		}
	}
	t.Fatalf("videotest camera not listed in %v", Devices())
	return ""
}

func openVideotest(t testing.TB) *Stream {
	t.Helper()
	s, err := Open(videotestID(t), 640, 480)
	if err != nil {
		t.Fatalf("open videotest: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func nextFrame(t testing.TB, s *Stream) image.Image {
	t.Helper()
	select {
	case f, ok := <-s.Frames():
		if !ok {
			t.Fatalf("stream ended: %v", s.Err())
		}
		return f
	case <-time.After(5 * time.Second):
		t.Fatal("no frame within 5 s")
	}
	return nil
}

func TestDevicesListsVideotest(t *testing.T) {
	devs := Devices()
	seen := map[string]bool{}
	for _, d := range devs {
		if d.ID == "" || d.Label == "" {
			t.Errorf("device without ID or label: %+v", d)
		}
		if seen[d.ID] {
			t.Errorf("ID %s listed twice", d.ID)
		}
		seen[d.ID] = true
	}
	videotestID(t)
}

func TestLabel(t *testing.T) {
	for _, c := range []struct {
		info driver.Info
		want string
	}{
		{driver.Info{Name: "Integrated Camera: Integrated C;usb-0000:00:14.0-8", Label: "video0;video0"}, "Integrated Camera: Integrated C"},
		{driver.Info{Name: ";", Label: "video2;video2"}, "video2"}, // V4L2 device we could not query
		{driver.Info{Label: "HD Pro Webcam C920"}, "HD Pro Webcam C920"},
		{driver.Info{}, "camera"},
	} {
		if got := label(c.info); got != c.want {
			t.Errorf("label(%+v) = %q, want %q", c.info, got, c.want)
		}
	}
}

// The preview needs at least 15 frames per second at 640x480; the figure is logged, the assertion is
// loose (10 frames in 2 s) so that a loaded machine does not fail it.
func TestFramesArriveAt640x480(t *testing.T) {
	s := openVideotest(t)
	if s.Size() != image.Pt(640, 480) {
		t.Fatalf("size %v, want 640x480", s.Size())
	}
	nextFrame(t, s) // the camera is running
	n, start := 0, time.Now()
	deadline := time.After(2 * time.Second)
loop:
	for {
		select {
		case f, ok := <-s.Frames():
			if !ok {
				t.Fatalf("stream ended: %v", s.Err())
			}
			if f.Bounds() != image.Rect(0, 0, 640, 480) {
				t.Fatalf("frame bounds %v", f.Bounds())
			}
			n++
		case <-deadline:
			break loop
		}
	}
	fps := float64(n) / time.Since(start).Seconds()
	t.Logf("%d frames in 2 s: %.1f fps; stats %+v", n, fps, s.Stats())
	if n < 10 {
		t.Errorf("only %d frames in 2 s", n)
	}
}

// A consumer that does not keep up gets the newest frame; the others are dropped, not queued.
func TestSlowConsumerDropsFrames(t *testing.T) {
	s := openVideotest(t)
	nextFrame(t, s)
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	time.Sleep(1500 * time.Millisecond) // 45 frames at 30 fps, none consumed

	st := s.Stats()
	if st.Captured < 10 {
		t.Fatalf("only %d frames captured", st.Captured)
	}
	if waiting := len(s.Frames()); waiting > 1 {
		t.Errorf("%d frames waiting", waiting)
	}
	if st.Dropped < st.Captured-3 {
		t.Errorf("captured %d, dropped only %d: frames are queued", st.Captured, st.Dropped)
	}
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	// One 640x480 YUYV frame is 600 KiB; the 40-odd unconsumed ones would be 25 MiB.
	if grown := int64(after.HeapAlloc) - int64(before.HeapAlloc); grown > 5<<20 {
		t.Errorf("heap grew by %d KiB while frames were not consumed", grown>>10)
	}

	// What the consumer gets next is the newest frame.
	waiting := nextFrame(t, s)
	latest, err := s.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	if s.Stats().Captured == s.Stats().Dropped+1 && !sameYCbCr(waiting, latest) {
		t.Error("the frame waiting is not the newest one")
	}
}

func sameYCbCr(a, b image.Image) bool {
	x, ok1 := a.(*image.YCbCr)
	y, ok2 := b.(*image.YCbCr)
	return ok1 && ok2 && string(x.Y) == string(y.Y) && string(x.Cb) == string(y.Cb) && string(x.Cr) == string(y.Cr)
}

func TestSnapshotIsAFullFrameTheCallerOwns(t *testing.T) {
	s := openVideotest(t)
	nextFrame(t, s)
	img, err := s.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	if img.Bounds() != image.Rect(0, 0, 640, 480) {
		t.Fatalf("snapshot bounds %v", img.Bounds())
	}
	// videotest's first colour bar is white at 75%: Y 176, no chroma.
	r, g, b, _ := img.At(20, 20).RGBA()
	if r>>8 != 176 || g>>8 != 176 || b>>8 != 176 {
		t.Errorf("pixel (20,20) = %d,%d,%d, want 176 grey", r>>8, g>>8, b>>8)
	}
	y := img.(*image.YCbCr)
	clear(y.Y) // the caller's to scribble on
	again, err := s.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	if again.(*image.YCbCr).Y[20*640+20] != 176 {
		t.Error("changing a snapshot changed the stream's frame")
	}
}

func TestCloseReleasesAndIsIdempotent(t *testing.T) {
	id := videotestID(t)
	s, err := Open(id, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Open(id, 0, 0); !errors.Is(err, ErrBusy) {
		t.Errorf("second open: %v, want ErrBusy", err)
	}
	nextFrame(t, s)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() { s.Close() })
	}
	wg.Wait()
	s.Close()
	for range s.Frames() { // closed: the loop ends
	}
	if err := s.Err(); err != nil {
		t.Errorf("Err after Close = %v", err)
	}
	if _, err := s.Snapshot(); !errors.Is(err, ErrClosed) {
		t.Errorf("Snapshot after Close: %v, want ErrClosed", err)
	}
	// Released: it opens again and delivers.
	s2, err := Open(id, 0, 0)
	if err != nil {
		t.Fatalf("reopen after Close: %v", err)
	}
	defer s2.Close()
	nextFrame(t, s2)
}

// videotest offers only 640x480: asked for 720p, the stream says what it really delivers.
func TestSizeIsWhatTheCameraDelivers(t *testing.T) {
	s, err := Open(videotestID(t), 1280, 720)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Size() != image.Pt(640, 480) {
		t.Errorf("Size() = %v, want 640x480", s.Size())
	}
	if f := nextFrame(t, s); f.Bounds().Size() != s.Size() {
		t.Errorf("frame %v, Size() %v", f.Bounds(), s.Size())
	}
}

func TestOpenUnknownDevice(t *testing.T) {
	if _, err := Open("no-such-id", 0, 0); !errors.Is(err, ErrNoCamera) {
		t.Errorf("Open(unknown) = %v, want ErrNoCamera", err)
	}
}

// Closing while frames are being delivered, converted and snapshotted must not panic or race (run
// with -race).
func TestCloseWhileFramesInFlight(t *testing.T) {
	id := videotestID(t)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 8 {
		s, err := Open(id, 0, 0)
		if err != nil {
			t.Fatalf("round %d: %v", i, err)
		}
		var wg sync.WaitGroup
		wg.Go(func() {
			dst := image.NewRGBA(image.Rect(0, 0, 320, 240))
			for f := range s.Frames() {
				PreviewInto(dst, f, true)
			}
		})
		wg.Go(func() {
			for range 20 {
				s.Snapshot()
				time.Sleep(5 * time.Millisecond)
			}
		})
		time.Sleep(time.Duration(rng.IntN(150)) * time.Millisecond)
		wg.Go(func() { s.Close() })
		s.Close()
		wg.Wait()
	}
}

func TestCloseAll(t *testing.T) {
	s := openVideotest(t)
	nextFrame(t, s)
	CloseAll()
	select {
	case <-s.done:
	default:
		t.Fatal("stream still running after CloseAll")
	}
	s2 := openVideotest(t) // released
	nextFrame(t, s2)
}

func TestChooseMode(t *testing.T) {
	yuyv := func(w, h int, fps float32) prop.Media {
		return prop.Media{Video: prop.Video{Width: w, Height: h, FrameRate: fps, FrameFormat: frame.FormatYUYV}}
	}
	mjpeg := func(w, h int, fps float32) prop.Media {
		return prop.Media{Video: prop.Video{Width: w, Height: h, FrameRate: fps, FrameFormat: frame.FormatMJPEG}}
	}
	depth := prop.Media{Video: prop.Video{Width: 640, Height: 480, FrameRate: 30, FrameFormat: frame.FormatZ16}}
	for _, c := range []struct {
		name  string
		modes []prop.Media
		w, h  int
		want  prop.Media
		ok    bool
	}{
		{"exact size", []prop.Media{yuyv(320, 240, 30), yuyv(640, 480, 30), yuyv(1280, 720, 10)}, 640, 480, yuyv(640, 480, 30), true},
		{"uncompressed on a tie", []prop.Media{mjpeg(640, 480, 30), yuyv(640, 480, 30)}, 640, 480, yuyv(640, 480, 30), true},
		{"fast enough beats exact", []prop.Media{yuyv(1280, 720, 10), mjpeg(1280, 720, 30)}, 1280, 720, mjpeg(1280, 720, 30), true},
		{"closest size", []prop.Media{yuyv(320, 240, 30), yuyv(800, 600, 30)}, 640, 480, yuyv(800, 600, 30), true},
		{"rate unknown", []prop.Media{yuyv(640, 480, 0)}, 640, 480, yuyv(640, 480, 0), true},
		{"depth only", []prop.Media{depth}, 640, 480, prop.Media{}, false},
		{"nothing", nil, 640, 480, prop.Media{}, false},
	} {
		got, ok := choose(c.modes, c.w, c.h)
		if ok != c.ok || got.Video != c.want.Video {
			t.Errorf("%s: got %+v %v, want %+v %v", c.name, got.Video, ok, c.want.Video, c.ok)
		}
	}
}

// fakeAdapter is a driver registered with mediadevices' manager that fails the way a real one does:
// at open (errno from open(2) or an ioctl), mid-stream (unplugged: ENODEV), or by stalling.
type fakeAdapter struct {
	openErr   error
	recordErr error
	modes     []prop.Media
	frames    int   // frames delivered before readErr
	readErr   error // nil: frames forever
	stall     bool  // the reader waits for Close, like DirectShow's without frames
	badEvery  int   // every badEvery-th read fails like a corrupt MJPEG frame
	errDelay  time.Duration

	mu     sync.Mutex
	closed chan struct{}
}

func (a *fakeAdapter) Open() error {
	if a.openErr != nil {
		return a.openErr
	}
	a.mu.Lock()
	a.closed = make(chan struct{})
	a.mu.Unlock()
	return nil
}

func (a *fakeAdapter) Close() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed != nil {
		close(a.closed)
		a.closed = nil
	}
	return nil
}

func (a *fakeAdapter) Properties() []prop.Media {
	if a.modes != nil {
		return a.modes
	}
	return []prop.Media{{Video: prop.Video{Width: 64, Height: 48, FrameRate: 100, FrameFormat: frame.FormatI420}}}
}

func (a *fakeAdapter) VideoRecord(p prop.Media) (video.Reader, error) {
	if a.recordErr != nil {
		return nil, a.recordErr
	}
	a.mu.Lock()
	closed := a.closed
	a.mu.Unlock()
	n := 0
	return video.ReaderFunc(func() (image.Image, func(), error) {
		if a.stall {
			<-closed
			return nil, func() {}, io.EOF
		}
		select {
		case <-closed:
			return nil, func() {}, io.EOF
		case <-time.After(10 * time.Millisecond):
		}
		if a.readErr != nil && n >= a.frames {
			time.Sleep(a.errDelay)
			return nil, func() {}, a.readErr
		}
		n++
		if a.badEvery > 0 && n%a.badEvery == 0 {
			return nil, func() {}, errors.New("invalid JPEG format")
		}
		return image.NewYCbCr(image.Rect(0, 0, p.Width, p.Height), image.YCbCrSubsampleRatio420), func() {}, nil
	}), nil
}

var fakes atomic.Int64

// register adds a to mediadevices' manager for the test and returns its ID.
func register(t *testing.T, a *fakeAdapter) string {
	t.Helper()
	lbl := fmt.Sprintf("fake %s %d", t.Name(), fakes.Add(1))
	driver.GetManager().Register(a, driver.Info{Label: lbl, DeviceType: driver.Camera})
	ds := driver.GetManager().Query(func(d driver.Driver) bool { return d.Info().Label == lbl })
	if len(ds) != 1 {
		t.Fatalf("%d drivers labelled %q", len(ds), lbl)
	}
	id := ds[0].ID()
	t.Cleanup(func() { driver.GetManager().Delete(id) })
	return id
}

func status(id string) driver.State {
	return driver.GetManager().Query(func(d driver.Driver) bool { return d.ID() == id })[0].Status()
}

func TestOpenErrorsAreClassified(t *testing.T) {
	for _, c := range []struct {
		name string
		a    *fakeAdapter
		want error
	}{
		{"open EBUSY", &fakeAdapter{openErr: syscall.EBUSY}, ErrBusy},
		{"S_FMT EBUSY", &fakeAdapter{recordErr: syscall.EBUSY}, ErrBusy},
		{"EACCES", &fakeAdapter{openErr: syscall.EACCES}, ErrPermission},
		{"EPERM", &fakeAdapter{openErr: &os.PathError{Op: "open", Path: "/dev/video0", Err: syscall.EPERM}}, ErrPermission},
		{"ENOENT", &fakeAdapter{openErr: syscall.ENOENT}, ErrNoCamera},
		{"ENODEV", &fakeAdapter{openErr: syscall.ENODEV}, ErrNoCamera},
		{"DirectShow text", &fakeAdapter{openErr: errors.New("failed to open device: connect filters")}, ErrUnavailable},
		{"depth camera", &fakeAdapter{modes: []prop.Media{{Video: prop.Video{Width: 640, Height: 480, FrameFormat: frame.FormatZ16}}}}, ErrUnsupported},
	} {
		t.Run(c.name, func(t *testing.T) {
			id := register(t, c.a)
			_, err := Open(id, 0, 0)
			if !errors.Is(err, c.want) {
				t.Fatalf("Open: %v, want %v", err, c.want)
			}
			if st := status(id); st != driver.StateClosed {
				t.Errorf("device left %s after a failed open", st)
			}
		})
	}
}

func TestUnplugEndsStreamWithErrDisconnected(t *testing.T) {
	id := register(t, &fakeAdapter{frames: 5, readErr: syscall.ENODEV})
	s, err := Open(id, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	n := 0
	for range s.Frames() {
		n++
	}
	if n == 0 || n > 5 {
		t.Errorf("%d frames before the unplug, want 1 to 5", n)
	}
	if err := s.Err(); !errors.Is(err, ErrDisconnected) || !errors.Is(err, syscall.ENODEV) {
		t.Errorf("Err = %v, want ErrDisconnected wrapping ENODEV", err)
	}
	if _, err := s.Snapshot(); !errors.Is(err, ErrDisconnected) {
		t.Errorf("Snapshot after unplug: %v", err)
	}
	if st := status(id); st != driver.StateClosed {
		t.Errorf("device left %s after the unplug", st)
	}
	s.Close()
}

// Single bad frames (a corrupt MJPEG frame) are skipped; a run of them ends the stream.
func TestBadFramesEndStreamOnlyInARow(t *testing.T) {
	s, err := Open(register(t, &fakeAdapter{badEvery: 2}), 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	for range 10 {
		nextFrame(t, s)
	}
	s.Close()
	if err := s.Err(); err != nil {
		t.Errorf("Err = %v after every other frame was bad", err)
	}

	id := register(t, &fakeAdapter{frames: 3, readErr: errors.New("invalid JPEG format")})
	s, err = Open(id, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for range s.Frames() {
	}
	if err := s.Err(); !errors.Is(err, ErrDisconnected) {
		t.Errorf("Err = %v, want ErrDisconnected", err)
	}
}

// A camera that stops delivering ends the stream at its first read timeout, not after ten of them.
func TestReadTimeoutEndsStream(t *testing.T) {
	defer func(l time.Duration) { stallLimit = l }(stallLimit)
	stallLimit = 200 * time.Millisecond
	s, err := Open(register(t, &fakeAdapter{frames: 2, readErr: errors.New("read timeout"), errDelay: 300 * time.Millisecond}), 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	start := time.Now()
	for range s.Frames() {
	}
	if !errors.Is(s.Err(), ErrDisconnected) {
		t.Errorf("Err = %v, want ErrDisconnected", s.Err())
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("stream ended after %v: more than one timeout", d)
	}
}

func TestSameModelTwiceIsNumbered(t *testing.T) {
	for range 2 {
		a := &fakeAdapter{}
		driver.GetManager().Register(a, driver.Info{Name: "Twin Cam;usb-1", Label: "video9;video9", DeviceType: driver.Camera})
	}
	var ids []string
	for _, d := range driver.GetManager().Query(func(d driver.Driver) bool { return d.Info().Name == "Twin Cam;usb-1" }) {
		ids = append(ids, d.ID())
	}
	t.Cleanup(func() {
		for _, id := range ids {
			driver.GetManager().Delete(id)
		}
	})
	var labels []string
	for _, d := range Devices() {
		if strings.HasPrefix(d.Label, "Twin Cam") {
			labels = append(labels, d.Label)
		}
	}
	if !slices.Equal(labels, []string{"Twin Cam", "Twin Cam (2)"}) {
		t.Errorf("labels %q", labels)
	}
}

// A camera that stops delivering does not make Close hang.
func TestCloseStalledCamera(t *testing.T) {
	id := register(t, &fakeAdapter{stall: true})
	s, err := Open(id, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	s.Close()
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Close took %v", d)
	}
	select {
	case <-s.done:
	default:
		t.Error("reader still running after Close")
	}
	if st := status(id); st != driver.StateClosed {
		t.Errorf("device left %s", st)
	}
}

// BenchmarkStreamFrames measures the frame rate through the whole pipeline: mediadevices' videotest
// camera (30 fps) at 640x480, the copy, the latest-frame slot, and the preview conversion.
func BenchmarkStreamFrames(b *testing.B) {
	s := openVideotest(b)
	nextFrame(b, s)
	dst := image.NewRGBA(image.Rect(0, 0, 640, 480))
	for b.Loop() {
		PreviewInto(dst, nextFrame(b, s), true)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "fps")
	b.ReportMetric(float64(s.Stats().Dropped), "dropped")
}
