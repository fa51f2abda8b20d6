package viewer

import (
	"fmt"
	"image"
	"image/png"
	"os"

	"github.com/mae-vk/mae-vk/ops"
	"github.com/mae-vk/mae-vk/vk"
)

// frameGPU holds the device side of drawing: the compose inputs, the
// frame buffer, and the swapchain it is copied to.
type frameGPU struct {
	d  *vk.Device
	o  *ops.Ops
	sc *vk.Swapchain

	scene, heat, ui, frame *vk.Buffer
	last                   ops.ComposeParams // of the frame in the frame buffer
}

// grow makes *b hold at least n uint32s, reallocating when too small.
func (f *frameGPU) grow(b **vk.Buffer, name string, n int) error {
	n = max(n, 1)
	if *b != nil && (*b).Size() >= 4*n {
		return nil
	}
	if *b != nil {
		(*b).Release()
		*b = nil
	}
	nb, err := f.d.NewBuffer(name, 4*n)
	if err != nil {
		return err
	}
	*b = nb
	return nil
}

// compose writes the frame for layout l into the frame buffer on the
// device: scene and ui are packed RGBA8, heat [rows·L] in 0..255.
func (f *frameGPU) compose(l layout, scene, heat, ui []uint32, hoverRow, hoverPatch int) error {
	w, h := f.sc.Extent()
	p := ops.ComposeParams{
		FrameW: uint32(w), FrameH: uint32(h), SrcW: uint32(l.srcW), SrcH: uint32(l.srcH),
		Scale: uint32(l.scale), OffX: int32(l.offX), OffY: int32(l.offY),
		UIW: uint32(l.uiW), UIH: uint32(l.uiH), UIScale: uiScale,
		Img: uint32(l.img), Sep: uint32(l.sep), Patch: uint32(l.patch), Grid: uint32(l.grid), Rows: uint32(l.rows),
		HoverRow: int32(hoverRow), HoverPatch: int32(hoverPatch),
	}
	if f.sc.BGRA() {
		p.BGRA = 1
	}
	for _, b := range []struct {
		buf  **vk.Buffer
		name string
		data []uint32
	}{{&f.scene, "view scene", scene}, {&f.heat, "view heat", heat}, {&f.ui, "view ui", ui}} {
		if err := f.grow(b.buf, b.name, len(b.data)); err != nil {
			return err
		}
		if err := (*b.buf).WriteUint32(0, b.data); err != nil {
			return err
		}
	}
	if err := f.grow(&f.frame, "view frame", w*h); err != nil {
		return err
	}
	r, err := f.d.NewRecording()
	if err != nil {
		return err
	}
	defer r.Release()
	if err := f.o.Compose(r, p, f.scene, f.heat, f.ui, f.frame); err != nil {
		return err
	}
	if err := r.Run(); err != nil {
		return err
	}
	f.last = p
	return nil
}

// present puts the frame buffer on the window; stale asks for a new
// swapchain.
func (f *frameGPU) present() (stale bool, err error) {
	return f.sc.Present(f.frame)
}

// savePNG writes the last composed frame to path as PNG.
func (f *frameGPU) savePNG(path string) error {
	w, h := int(f.last.FrameW), int(f.last.FrameH)
	if w == 0 || h == 0 || f.frame == nil {
		return fmt.Errorf("save %s: nothing drawn yet", path)
	}
	px := make([]uint32, w*h)
	if err := f.frame.ReadUint32(0, px); err != nil {
		return err
	}
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i, v := range px {
		r, g, b := v&255, v>>8&255, v>>16&255
		if f.last.BGRA != 0 {
			r, b = b, r
		}
		copy(img.Pix[4*i:], []uint8{uint8(r), uint8(g), uint8(b), 255})
	}
	file, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("save the view: %w", err)
	}
	if err := png.Encode(file, img); err != nil {
		file.Close()
		return fmt.Errorf("save the view: %w", err)
	}
	return file.Close()
}

// release frees the buffers and the swapchain.
func (f *frameGPU) release() {
	for _, b := range []**vk.Buffer{&f.scene, &f.heat, &f.ui, &f.frame} {
		if *b != nil {
			(*b).Release()
			*b = nil
		}
	}
	f.sc.Release()
}
