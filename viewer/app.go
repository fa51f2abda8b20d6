package viewer

import (
	"bufio"
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/go-gl/glfw/v3.3/glfw"

	"github.com/mae-vk/mae-vk/mae"
	"github.com/mae-vk/mae-vk/ops"
	"github.com/mae-vk/mae-vk/vk"
)

// app is one viewer session.
type app struct {
	opts  Options
	win   *window
	dev   *vk.Device
	gpu   *frameGPU
	rec   *reconstructor
	data  *dataset
	sc    scene
	trace *tracer

	start   int     // data set index of row 0
	ratio   float64 // mask ratio for space
	rng     *mae.RNG
	step    int64 // of the weights shown; −1 unknown
	ckpt    string
	curve   *lossCurve
	message string // last error or notice, shown in the status bar
	saved   string // path of the last PNG saved, for the trace

	cursorX, cursorY float64
	painting         bool
	paintHide        bool
	hoverRow         int
	hoverPatch       int
	heat             []uint32
	heatFor          [2]int // row, patch the heat was computed for

	updates chan update
	paths   chan string // from the terminal after o
	dirty   bool        // the frame must be drawn again
	resize  bool        // the swapchain must be made again
}

// Run opens the window and runs the viewer until it is closed.
func Run(ctx context.Context, o Options) (err error) {
	if o.Images < 1 {
		return fmt.Errorf("--images %d: show at least one", o.Images)
	}
	p, err := mae.LoadEvalWeights(o.Weights, nil, 0)
	if err != nil {
		return err
	}
	a := &app{opts: o, ratio: p.Config.MaskRatio, rng: mae.NewRNG(o.Seed ^ 0x76696577), step: -1,
		hoverRow: -1, hoverPatch: -1, heatFor: [2]int{-1, -1}, start: o.Start,
		updates: make(chan update, 1), paths: make(chan string, 1), dirty: true, resize: true}
	src := resolveSource(o.Weights)
	if dir, err := mae.LatestCheckpoint(src.ckptDir); err == nil {
		a.ckpt, a.step = dir, stepOf(dir)
	}
	if o.Follow && src.run == "" && a.ckpt == "" {
		return fmt.Errorf("--follow: %s is not a run directory or a checkpoints directory with %s", o.Weights, mae.LatestFile)
	}
	if a.data, err = openData(o.Data, o.Split, p.Config); err != nil {
		return err
	}
	a.sc = scene{cfg: p.Config, stats: a.data.stats}
	if a.trace, err = openTracer(o.Trace); err != nil {
		return err
	}
	defer a.trace.close()

	if a.win, err = openWindow(o.Width, o.Height, "mae-vk-view "+filepath.Base(o.Weights)); err != nil {
		return err
	}
	defer a.win.close()
	vo := vk.OptionsFromEnv(vk.Options{Device: o.Device, Validate: o.Validate, Present: a.win.presentOptions(),
		OnMessage: func(m vk.Message) { fmt.Fprintln(os.Stderr, m) }})
	if a.dev, err = vk.Open(vo); err != nil {
		return err
	}
	defer func() {
		if a.dev.Validating() {
			if w, e, _ := a.dev.Messages(); w+e > 0 && err == nil {
				err = fmt.Errorf("the Vulkan validation layer reported %d warnings and %d errors (printed above)", w, e)
			}
		}
		if e := a.dev.Close(); e != nil && err == nil {
			err = e
		}
	}()
	sc, err := a.dev.NewSwapchain(o.Vsync)
	if err != nil {
		return err
	}
	opsDev := ops.New(a.dev)
	if _, err := opsDev.LoadGemmTuning(ops.TuningDir()); err != nil {
		return err
	}
	a.gpu = &frameGPU{d: a.dev, o: opsDev, sc: sc}
	defer a.gpu.release()
	a.rec = newReconstructor(opsDev, p)
	defer a.rec.release()

	if err := a.loadRows(a.start); err != nil {
		return err
	}
	a.sc.setMasks(mae.EvalMasking(p.Config, len(a.sc.rows), o.Seed, 0))

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if o.Follow {
		go follow(ctx, src, a.ckpt, a.updates, glfw.PostEmptyEvent)
	}
	return a.loop(ctx)
}

// loadRows fills the rows with data set items from index start on.
func (a *app) loadRows(start int) error {
	n := a.data.src.Len()
	start = max(0, min(start, n-a.opts.Images))
	l := a.sc.cfg.NumPatches()
	rows := make([]row, min(a.opts.Images, n))
	for i := range rows {
		img, name, err := a.data.load(start + i)
		if err != nil {
			return err
		}
		rows[i] = row{name: name, image: img, mask: make([]float64, l), stale: true}
		if i < len(a.sc.rows) {
			copy(rows[i].mask, a.sc.rows[i].mask)
		} else {
			for j := range rows[i].mask {
				rows[i].mask[j] = float64(j % 2)
			}
		}
	}
	a.sc.rows, a.start = rows, start
	a.dirty = true
	return nil
}

// loop handles input and follow updates and draws when something changed.
func (a *app) loop(ctx context.Context) error {
	for !a.win.w.ShouldClose() && ctx.Err() == nil {
		if a.dirty || a.resize {
			glfw.PollEvents()
		} else {
			glfw.WaitEventsTimeout(0.5)
		}
		for _, e := range a.win.take() {
			if err := a.handle(e); err != nil {
				return err
			}
		}
		a.poll()
		fw, fh := a.win.w.GetFramebufferSize()
		if fw == 0 || fh == 0 {
			continue // minimized: nothing to draw until restored
		}
		if w, h := a.gpu.sc.Extent(); w != fw || h != fh {
			a.resize = true
		}
		if a.resize {
			if err := a.gpu.sc.Resize(fw, fh); err != nil {
				return err
			}
			a.resize, a.dirty = false, true
			if w, _ := a.gpu.sc.Extent(); w == 0 {
				continue
			}
		}
		if !a.dirty {
			continue
		}
		if err := a.draw(); err != nil {
			return err
		}
	}
	return nil
}

// poll takes a follow update or a path typed after o, if any.
func (a *app) poll() {
	select {
	case u := <-a.updates:
		a.apply(u)
	default:
	}
	select {
	case path := <-a.paths:
		a.openPicture(path)
	default:
	}
}

// apply takes new weights or a new loss curve from the follower.
func (a *app) apply(u update) {
	if u.curve != nil {
		a.curve, a.dirty = u.curve, true
	}
	switch {
	case u.err != nil:
		a.message, a.dirty = u.err.Error(), true
	case u.params != nil:
		if err := a.rec.setParams(u.params); err != nil {
			a.message = fmt.Sprintf("--follow: %s: %v", filepath.Base(u.name), err)
		} else {
			a.step, a.ckpt, a.message = u.step, u.name, ""
			for i := range a.sc.rows {
				a.sc.rows[i].stale = true
			}
			a.heatFor = [2]int{-1, -1}
		}
		a.dirty = true
	}
}

// draw reconstructs the stale rows, composes the frame on the device and
// presents it.
func (a *app) draw() error {
	for i := range a.sc.rows {
		r := &a.sc.rows[i]
		if !r.stale {
			continue
		}
		pred, loss, err := a.rec.run(r.image, r.mask)
		if err != nil {
			return err
		}
		r.pred, r.loss, r.stale = pred, loss, false
	}
	if err := a.updateHeat(); err != nil {
		return err
	}
	w, h := a.gpu.sc.Extent()
	l := newLayout(w, h, a.sc.cfg, len(a.sc.rows), a.opts.Follow)
	grid, err := a.sc.grid()
	if err != nil {
		return err
	}
	status := a.status()
	var curve *lossCurve
	if a.opts.Follow {
		curve = a.curve
		if curve == nil {
			curve = &lossCurve{}
		}
	}
	ui := uiLayer(l, status, curve)
	hr, hp := a.hoverRow, a.hoverPatch
	if a.heatFor[0] < 0 {
		hr, hp = -1, -1
	}
	if err := a.gpu.compose(l, packRGBA(grid), a.heat, packRGBA(ui), hr, hp); err != nil {
		return err
	}
	stale, err := a.gpu.present()
	if err != nil {
		return err
	}
	if stale {
		a.resize = true
		return nil
	}
	a.dirty = false
	return a.traceFrame(l, status)
}

// status is the one-line status bar.
func (a *app) status() string {
	step := "step ?"
	if a.step >= 0 {
		step = fmt.Sprintf("step %d", a.step)
	}
	loss := "loss -"
	if v, ok := a.sc.meanLoss(); ok {
		loss = fmt.Sprintf("loss %.4f", v)
	}
	s := fmt.Sprintf("%s | %s | mask %.0f%% | %s | %s", step, loss, 100*a.ratio, a.dev.Info.Name, a.data.name)
	if a.message != "" {
		s += " | " + a.message
	}
	return s
}

// traceFrame writes the trace line of the frame just presented.
func (a *app) traceFrame(l layout, status string) error {
	if a.trace == nil {
		return nil
	}
	t := TraceLine{Width: l.w, Height: l.h, Scale: l.scale, OffX: l.offX, OffY: l.offY, Img: l.img, Sep: l.sep,
		Patch: l.patch, Grid: l.grid, Start: a.start, Step: a.step, Ratio: a.ratio,
		HoverRow: a.hoverRow, HoverPatch: a.hoverPatch, Status: status, Saved: a.saved}
	if a.heatFor[0] < 0 {
		t.HoverRow, t.HoverPatch = -1, -1
	}
	if a.curve != nil {
		t.CurvePoints = len(a.curve.train)
	}
	t.Loss, _ = a.sc.meanLoss()
	if math.IsNaN(t.Loss) {
		t.Loss = -1
	}
	for _, r := range a.sc.rows {
		t.Names = append(t.Names, r.name)
		t.Masks = append(t.Masks, maskString(r.mask))
	}
	return a.trace.write(t)
}

// updateHeat computes the attention overlay: when the cursor is over a
// hidden patch, the last decoder block's attention of that patch over the
// visible patches of its row, scaled to 255 at the largest.
func (a *app) updateHeat() error {
	l := a.sc.cfg.NumPatches()
	if len(a.heat) != len(a.sc.rows)*l {
		a.heat = make([]uint32, len(a.sc.rows)*l)
	}
	r, p := a.hoverRow, a.hoverPatch
	if r < 0 || r >= len(a.sc.rows) || a.sc.rows[r].mask[p] == 0 {
		clear(a.heat)
		a.heatFor = [2]int{-1, -1}
		return nil
	}
	if a.heatFor == [2]int{r, p} {
		return nil
	}
	rw := &a.sc.rows[r]
	if _, _, err := a.rec.run(rw.image, rw.mask); err != nil {
		return err
	}
	att, err := a.rec.attention(p)
	if err != nil {
		return err
	}
	top := 0.0
	for j, v := range att {
		if rw.mask[j] == 0 {
			top = math.Max(top, v)
		}
	}
	clear(a.heat)
	for j, v := range att {
		if rw.mask[j] == 0 && top > 0 {
			a.heat[r*l+j] = uint32(math.Round(255 * v / top))
		}
	}
	a.heatFor = [2]int{r, p}
	return nil
}

// newMasks draws a random mask at the current ratio for every row.
func (a *app) newMasks() {
	cfg := a.sc.cfg
	cfg.MaskRatio = a.ratio
	if cfg.KeepCount() < 1 {
		cfg = cfg.WithKeep(1)
	}
	a.sc.setMasks(mae.RandomMasking(cfg, len(a.sc.rows), a.rng))
	a.heatFor, a.dirty = [2]int{-1, -1}, true
}

// openPicture puts a picture file in the row under the cursor (row 0 when
// the cursor is elsewhere).
func (a *app) openPicture(path string) {
	img, name, err := a.data.loadFile(path)
	if err != nil {
		a.message, a.dirty = err.Error(), true
		return
	}
	r, _, _, ok := a.layout().hit(a.cursorX, a.cursorY)
	if !ok {
		r = 0
	}
	a.sc.rows[r].image, a.sc.rows[r].name, a.sc.rows[r].stale = img, name, true
	a.message, a.heatFor, a.dirty = "opened "+name, [2]int{-1, -1}, true
}

// layout is the current window's layout.
func (a *app) layout() layout {
	w, h := a.gpu.sc.Extent()
	return newLayout(w, h, a.sc.cfg, len(a.sc.rows), a.opts.Follow)
}

// askPath reads one line from the terminal without blocking the window.
func (a *app) askPath() {
	fmt.Fprint(os.Stderr, "picture to open: ")
	go func() {
		line, err := bufio.NewReader(os.Stdin).ReadString('\n')
		if err != nil && line == "" {
			return
		}
		a.paths <- line
		glfw.PostEmptyEvent()
	}()
}

// saveView writes the current frame as a PNG.
func (a *app) saveView() {
	dir := a.opts.Shots
	if dir == "" {
		dir = "."
	}
	path := filepath.Join(dir, "mae-vk-view-"+time.Now().Format("20060102-150405.000")+".png")
	if err := a.gpu.savePNG(path); err != nil {
		a.message = err.Error()
	} else {
		a.message, a.saved = "saved "+path, path
	}
	a.dirty = true
}
