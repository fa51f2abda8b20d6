package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mae-vk/mae-vk/loader"
	"github.com/mae-vk/mae-vk/viewer"
)

// The end-to-end tests run the real binaries: mae-vk-view in an Xvfb
// display on the Vulkan driver the environment selects (lavapipe in make
// test), driven by real X events from xdotool and captured with xwd.

// frame is one line of mae-vk-view --trace.
type frame = viewer.TraceLine

// patchCenter is the window pixel at the centre of patch p of row r in panel.
func patchCenter(f frame, r, panel, p int) (int, int) {
	cell := f.Img + f.Sep
	sx := f.Sep + panel*cell + (p%f.Grid)*f.Patch
	sy := f.Sep + r*cell + (p/f.Grid)*f.Patch
	return f.OffX + sx*f.Scale + f.Patch*f.Scale/2, f.OffY + sy*f.Scale + f.Patch*f.Scale/2
}

// needTools fails the test when a program it drives is missing.
func needTools(t *testing.T, names ...string) {
	t.Helper()
	for _, n := range names {
		if _, err := exec.LookPath(n); err != nil {
			t.Fatalf("%s not found: the viewer tests need Xvfb, xdotool and xwd (make setup installs xvfb, xdotool, x11-apps)", n)
		}
	}
}

// binDir holds mae-vk and mae-vk-view, built once by TestMain.
var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "mae-vk-view-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// buildBinaries builds mae-vk and mae-vk-view (once per test binary) and
// returns their directory.
func buildBinaries(t *testing.T) string {
	t.Helper()
	for _, c := range []string{"mae-vk", "mae-vk-view"} {
		if _, err := os.Stat(filepath.Join(binDir, c)); err == nil {
			continue
		}
		cmd := exec.Command("go", "build", "-o", filepath.Join(binDir, c), "./cmd/"+c)
		cmd.Dir = "../.."
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", c, err, out)
		}
	}
	return binDir
}

// startXvfb starts a virtual X server and returns its DISPLAY.
func startXvfb(t *testing.T) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("Xvfb", "-displayfd", "3", "-screen", "0", "1024x768x24", "-nolisten", "tcp")
	cmd.ExtraFiles = []*os.File{w}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(r).ReadString('\n')
		line <- strings.TrimSpace(s)
	}()
	select {
	case n := <-line:
		if n == "" {
			t.Fatal("Xvfb did not report its display")
		}
		return ":" + n
	case <-time.After(30 * time.Second):
		t.Fatal("Xvfb did not start within 30 s")
	}
	return ""
}

// runCmd runs a binary and fails the test on an error.
func runCmd(t *testing.T, env []string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", filepath.Base(name), strings.Join(args, " "), err, out)
	}
	return string(out)
}

// viewerProc is a running mae-vk-view with its trace file.
type viewerProc struct {
	t       *testing.T
	cmd     *exec.Cmd
	trace   string
	display string
	log     *strings.Builder
	done    chan struct{} // closed when the process has exited
	err     error         // its exit status, once done
}

func startViewer(t *testing.T, bin, display string, args ...string) *viewerProc {
	t.Helper()
	v := &viewerProc{t: t, trace: filepath.Join(t.TempDir(), "trace.jsonl"), display: display,
		log: &strings.Builder{}, done: make(chan struct{})}
	args = append([]string{"--trace", v.trace}, args...)
	v.cmd = exec.Command(filepath.Join(bin, "mae-vk-view"), args...)
	v.cmd.Env = append(os.Environ(), "DISPLAY="+display)
	v.cmd.Stdout, v.cmd.Stderr = v.log, v.log
	if err := v.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		v.err = v.cmd.Wait()
		close(v.done)
	}()
	t.Cleanup(func() {
		v.cmd.Process.Kill()
		<-v.done
		for _, line := range strings.Split(v.log.String(), "\n") {
			if strings.HasPrefix(line, "vulkan ") {
				t.Errorf("mae-vk-view printed a Vulkan validation message: %s", line)
			}
		}
		if t.Failed() {
			t.Logf("mae-vk-view output:\n%s", v.log.String())
		}
	})
	return v
}

// frames reads the trace so far.
func (v *viewerProc) frames() []frame {
	b, _ := os.ReadFile(v.trace)
	var out []frame
	for _, line := range strings.Split(string(b), "\n") {
		var f frame
		if json.Unmarshal([]byte(line), &f) == nil && f.Frame > 0 {
			out = append(out, f)
		}
	}
	return out
}

// waitFrame waits until a frame presented after frame number after
// satisfies ok and returns the latest such frame.
func (v *viewerProc) waitFrame(what string, after int, timeout time.Duration, ok func(frame) bool) frame {
	v.t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		fs := v.frames()
		for i := len(fs) - 1; i >= 0 && fs[i].Frame > after; i-- {
			if ok(fs[i]) {
				return fs[i]
			}
		}
		select {
		case <-v.done:
			v.t.Fatalf("mae-vk-view exited (%v) while waiting for %s:\n%s", v.err, what, v.log.String())
		case <-time.After(100 * time.Millisecond):
		}
	}
	fs := v.frames()
	last := "none"
	if len(fs) > 0 {
		b, _ := json.Marshal(fs[len(fs)-1])
		last = string(b)
	}
	v.t.Fatalf("no frame with %s within %v; last frame: %s", what, timeout, last)
	return frame{}
}

// xdo runs xdotool on the viewer's display.
func (v *viewerProc) xdo(args ...string) string {
	v.t.Helper()
	return strings.TrimSpace(runCmd(v.t, []string{"DISPLAY=" + v.display}, "xdotool", args...))
}

// window returns the viewer's X window id and its position on the screen.
func (v *viewerProc) window() (id string, x, y int) {
	v.t.Helper()
	id = strings.Fields(v.xdo("search", "--sync", "--name", "mae-vk-view"))[0]
	geo := v.xdo("getwindowgeometry", id)
	m := regexp.MustCompile(`Position: (-?\d+),(-?\d+)`).FindStringSubmatch(geo)
	if m == nil {
		v.t.Fatalf("xdotool getwindowgeometry: %q", geo)
	}
	x, _ = strconv.Atoi(m[1])
	y, _ = strconv.Atoi(m[2])
	return id, x, y
}

// capture dumps the screen with xwd and returns the window's w×h pixels.
func (v *viewerProc) capture(w, h int) *image.RGBA {
	v.t.Helper()
	_, wx, wy := v.window()
	path := filepath.Join(v.t.TempDir(), "screen.xwd")
	runCmd(v.t, []string{"DISPLAY=" + v.display}, "xwd", "-root", "-silent", "-out", path)
	screen, err := readXWD(path)
	if err != nil {
		v.t.Fatal(err)
	}
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			out.SetRGBA(x, y, screen.RGBAAt(wx+x, wy+y))
		}
	}
	return out
}

// writeDataPNG writes item i of a data set split as a PNG, so that mae-vk
// reconstruct reads the very image the viewer shows.
func writeDataPNG(t *testing.T, spec, split string, i int, path string) {
	t.Helper()
	src, err := loader.Open(spec, split, loader.Options{Warn: func(string) {}})
	if err != nil {
		t.Fatal(err)
	}
	var im loader.Image
	if _, err := src.Load(i, &im); err != nil {
		t.Fatal(err)
	}
	if im.C != 1 {
		t.Fatalf("%s item %d has %d channels; this helper writes grey images", spec, i, im.C)
	}
	g := image.NewGray(image.Rect(0, 0, im.W, im.H))
	copy(g.Pix, im.Pix)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, g); err != nil {
		t.Fatal(err)
	}
}

// readPNG decodes a PNG into RGBA.
func readPNG(t *testing.T, path string) *image.RGBA {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	src, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	out := image.NewRGBA(src.Bounds())
	for y := src.Bounds().Min.Y; y < src.Bounds().Max.Y; y++ {
		for x := src.Bounds().Min.X; x < src.Bounds().Max.X; x++ {
			out.Set(x, y, src.At(x, y))
		}
	}
	return out
}

// maxDiff is the largest channel difference of two colours.
func maxDiff(a, b color.RGBA) int {
	d := 0
	for _, p := range [][2]uint8{{a.R, b.R}, {a.G, b.G}, {a.B, b.B}} {
		d = max(d, abs(int(p[0])-int(p[1])))
	}
	return d
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

func describe(f frame) string { return fmt.Sprintf("frame %d %dx%d", f.Frame, f.Width, f.Height) }
