// Package camera is webcam capture with github.com/pion/mediadevices: devices, preview frames, snapshot
// (and the checks a photo passes before the activation accepts it).
//
// It uses mediadevices' driver layer directly (V4L2 on Linux, DirectShow on Windows) rather than its
// WebRTC-oriented MediaStream API: that keeps pion/webrtc out of the binary and gives this package the
// driver's own errors to classify. Nothing here imports Fyne; every function is safe to call from any
// goroutine, and words a person reads are left to the screens: errors are the sentinels below.
package camera

import (
	"errors"
	"fmt"
	"image"
	"io"
	"io/fs"
	"math"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/pion/mediadevices/pkg/driver"
	_ "github.com/pion/mediadevices/pkg/driver/camera" // the platform's real cameras
	"github.com/pion/mediadevices/pkg/frame"
	"github.com/pion/mediadevices/pkg/io/video"
	"github.com/pion/mediadevices/pkg/prop"
)

// Errors from Open and from a running stream. Open wraps the driver's own error, so the details stay
// available for a log while the screens choose their words with errors.Is.
var (
	ErrNoCamera     = errors.New("camera: no such camera")
	ErrBusy         = errors.New("camera: camera is in use")
	ErrPermission   = errors.New("camera: access to the camera is not permitted")
	ErrDisconnected = errors.New("camera: camera disconnected")
	// ErrUnavailable: the driver refused without saying why (DirectShow reports only a text).
	ErrUnavailable = errors.New("camera: camera could not be started")
	// ErrUnsupported: the camera offers no picture format this package can decode.
	ErrUnsupported = errors.New("camera: camera offers no usable picture format")
	ErrClosed      = errors.New("camera: stream is closed")
	ErrNoFrame     = errors.New("camera: no frame received yet")
)

// DefaultWidth and DefaultHeight are the frame size Open asks for when given zero.
const (
	DefaultWidth  = 640
	DefaultHeight = 480
)

const (
	// A camera that stops delivering (a stalled USB device) is closed under the reader's feet after this;
	// normally the reader sees the stop request within one frame.
	closeGrace = 500 * time.Millisecond
	// Close never blocks longer than this, even when a driver does not let go of its reader.
	closeLimit = 8 * time.Second
	// Single corrupt frames (MJPEG from cheap webcams) are skipped; this many in a row end the stream.
	maxBadFrames = 10
)

// stallLimit: a read that fails this long after the last good frame ends the stream (V4L2 reports a
// camera that stopped delivering only as a read timeout, after 5 s). A variable for the tests.
var stallLimit = 3 * time.Second

// Device is one camera: ID is what Open takes (valid for this process only), Label is for people.
type Device struct {
	ID    string
	Label string
}

// devMu serialises every change of a driver's state: mediadevices' state field is not thread-safe.
var devMu sync.Mutex

func isCamera(d driver.Driver) bool {
	if _, ok := d.(driver.VideoRecorder); !ok {
		return false
	}
	return d.Info().DeviceType == driver.Camera
}

// Devices lists the cameras found when the program started that can capture, the system's preferred
// one first.
func Devices() []Device {
	drivers := driver.GetManager().Query(func(d driver.Driver) bool { return isCamera(d) && listable(d.Info()) })
	sort.SliceStable(drivers, func(i, j int) bool {
		pi, pj := drivers[i].Info().Priority, drivers[j].Info().Priority
		if pi != pj {
			return pi > pj
		}
		return label(drivers[i].Info()) < label(drivers[j].Info())
	})
	out := make([]Device, 0, len(drivers))
	seen := map[string]int{}
	for _, d := range drivers {
		l := label(d.Info())
		// Two cameras of the same model: number the second so that a person can tell them apart.
		if seen[l]++; seen[l] > 1 {
			l = fmt.Sprintf("%s (%d)", l, seen[l])
		}
		out = append(out, Device{ID: d.ID(), Label: l})
	}
	return out
}

// label picks the product name over the device node: on Linux, Name is "card;bus" and Label is
// "node;node", both joined with ";".
func label(info driver.Info) string {
	for _, s := range []string{info.Name, info.Label} {
		if first, _, _ := strings.Cut(s, ";"); strings.TrimSpace(first) != "" {
			return strings.TrimSpace(first)
		}
	}
	return "camera"
}

// Stream is an open camera delivering frames. Frames are never modified once delivered.
type Stream struct {
	d      driver.Driver
	size   image.Point
	frames chan image.Image
	done   chan struct{}

	stopping atomic.Bool
	mu       sync.Mutex
	latest   image.Image
	err      error
	stats    Stats

	closeOnce   sync.Once
	releaseOnce sync.Once
}

// Stats counts a stream's frames: Captured from the camera, Dropped because the consumer had not taken
// the previous one yet.
type Stats struct {
	Captured int
	Dropped  int
}

var (
	openMu  sync.Mutex
	streams = map[*Stream]struct{}{}
)

// Open starts the camera with this ID at the size closest to width x height (0 means 640x480). Its
// errors wrap ErrNoCamera, ErrBusy, ErrPermission, ErrUnsupported or ErrUnavailable.
func Open(id string, width, height int) (*Stream, error) {
	if width <= 0 || height <= 0 {
		width, height = DefaultWidth, DefaultHeight
	}
	ds := driver.GetManager().Query(func(d driver.Driver) bool { return d.ID() == id && isCamera(d) })
	if len(ds) == 0 {
		return nil, fmt.Errorf("%w: %q", ErrNoCamera, id)
	}
	d := ds[0]
	r, p, err := start(d, width, height)
	if err != nil {
		return nil, err
	}
	s := &Stream{
		d:      d,
		size:   image.Pt(p.Width, p.Height),
		frames: make(chan image.Image, 1),
		done:   make(chan struct{}),
	}
	openMu.Lock()
	streams[s] = struct{}{}
	openMu.Unlock()
	go s.run(r)
	return s, nil
}

func start(d driver.Driver, width, height int) (video.Reader, prop.Media, error) {
	devMu.Lock()
	defer devMu.Unlock()
	if d.Status() != driver.StateClosed {
		return nil, prop.Media{}, ErrBusy
	}
	if err := d.Open(); err != nil {
		return nil, prop.Media{}, classifyOpen(err)
	}
	p, ok := choose(d.Properties(), width, height)
	if !ok {
		d.Close()
		return nil, prop.Media{}, ErrUnsupported
	}
	// On failure the driver wrapper closes the device itself.
	r, err := d.(driver.VideoRecorder).VideoRecord(p)
	if err != nil {
		return nil, prop.Media{}, classifyOpen(err)
	}
	return r, p, nil
}

// choose picks the mode closest to the wanted size among those delivering at least 15 frames per
// second (a mode that does not say counts as fast enough), preferring uncompressed ones on a tie.
func choose(modes []prop.Media, width, height int) (prop.Media, bool) {
	best, bestCost := prop.Media{}, math.Inf(1)
	for _, m := range modes {
		if m.Width <= 0 || m.Height <= 0 || m.FrameFormat == frame.FormatZ16 {
			continue
		}
		if _, err := frame.NewDecoder(m.FrameFormat); err != nil {
			continue
		}
		cost := math.Abs(float64(m.Width-width))/float64(width) + math.Abs(float64(m.Height-height))/float64(height)
		if m.FrameRate > 0 && m.FrameRate < 15 {
			cost += 10
		}
		if m.FrameRate > 0 {
			cost += math.Abs(float64(m.FrameRate)-30) / 1000
		}
		if m.FrameFormat == frame.FormatMJPEG {
			cost += 0.0001
		}
		if cost < bestCost {
			best, bestCost = m, cost
		}
	}
	return best, !math.IsInf(bestCost, 1)
}

// classifyOpen maps a driver's error to this package's sentinels, keeping the original text.
func classifyOpen(err error) error {
	switch {
	case errors.Is(err, syscall.EBUSY):
		return fmt.Errorf("%w: %w", ErrBusy, err)
	case errors.Is(err, fs.ErrPermission): // EACCES, EPERM
		return fmt.Errorf("%w: %w", ErrPermission, err)
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, syscall.ENODEV), errors.Is(err, syscall.ENXIO):
		return fmt.Errorf("%w: %w", ErrNoCamera, err)
	}
	return fmt.Errorf("%w: %w", ErrUnavailable, err)
}

// classifyRead says whether a read error ends the stream: the device vanished or the driver stopped.
func classifyRead(err error) (fatal bool) {
	var errno syscall.Errno
	return errors.Is(err, io.EOF) || errors.As(err, &errno)
}

func (s *Stream) run(r video.Reader) {
	// In this order: a consumer that sees Frames closed finds done closed and the device released.
	defer close(s.frames)
	defer close(s.done)
	defer s.release()
	bad, lastGood := 0, time.Now()
	for !s.stopping.Load() {
		img, release, err := r.Read()
		if s.stopping.Load() {
			if err == nil && release != nil {
				release()
			}
			return
		}
		if err != nil {
			bad++
			if classifyRead(err) || bad >= maxBadFrames || time.Since(lastGood) > stallLimit {
				s.mu.Lock()
				s.err = fmt.Errorf("%w: %w", ErrDisconnected, err)
				s.mu.Unlock()
				return
			}
			continue
		}
		bad, lastGood = 0, time.Now()
		// Drivers reuse their buffers for the next frame: keep a copy.
		f := cloneImage(img)
		if release != nil {
			release()
		}
		s.publish(f)
	}
}

// publish makes f the latest frame and offers it to the consumer; a frame the consumer has not taken
// yet is replaced, never queued behind.
func (s *Stream) publish(f image.Image) {
	s.mu.Lock()
	s.latest = f
	s.stats.Captured++
	s.mu.Unlock()
	select {
	case s.frames <- f:
		return
	default:
	}
	select {
	case <-s.frames:
		s.mu.Lock()
		s.stats.Dropped++
		s.mu.Unlock()
	default:
	}
	// Only this goroutine sends, so the slot is free now.
	select {
	case s.frames <- f:
	default:
	}
}

// release closes the device once, whoever gets there first (the reader or a Close whose grace expired).
func (s *Stream) release() {
	s.releaseOnce.Do(func() {
		devMu.Lock()
		s.d.Close()
		devMu.Unlock()
		openMu.Lock()
		delete(streams, s)
		openMu.Unlock()
	})
}

// Frames delivers frames as they come, at most one waiting: a consumer slower than the camera gets
// the newest frame and the ones in between are dropped. The channel is closed when the stream ends;
// Err then tells why.
func (s *Stream) Frames() <-chan image.Image { return s.frames }

// Size is the frame size the camera delivers, which may differ from the one asked for.
func (s *Stream) Size() image.Point { return s.size }

// Stats returns the frame counts so far.
func (s *Stream) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// Err is nil while the stream runs and after Close; it wraps ErrDisconnected when the camera went away.
func (s *Stream) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// Snapshot returns a copy of the newest full-size frame, which the caller owns.
func (s *Stream) Snapshot() (image.Image, error) {
	select {
	case <-s.done:
		if err := s.Err(); err != nil {
			return nil, err
		}
		return nil, ErrClosed
	default:
	}
	if s.stopping.Load() {
		return nil, ErrClosed
	}
	s.mu.Lock()
	f := s.latest
	s.mu.Unlock()
	if f == nil {
		return nil, ErrNoFrame
	}
	return cloneImage(f), nil
}

// Close stops the stream and releases the camera; it may be called any number of times from any
// goroutine. It returns once the device is released, normally within one frame interval.
func (s *Stream) Close() error {
	s.closeOnce.Do(func() {
		s.stopping.Store(true)
		select {
		case <-s.done:
			return
		case <-time.After(closeGrace):
		}
		// The reader is stuck waiting for a frame: closing the device wakes it up.
		s.release()
		select {
		case <-s.done:
		case <-time.After(closeLimit):
		}
	})
	return nil
}

// CloseAll closes every open stream; the app calls it when it quits.
func CloseAll() {
	openMu.Lock()
	open := make([]*Stream, 0, len(streams))
	for s := range streams {
		open = append(open, s)
	}
	openMu.Unlock()
	var wg sync.WaitGroup
	for _, s := range open {
		wg.Go(func() { s.Close() })
	}
	wg.Wait()
}
