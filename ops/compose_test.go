package ops

import (
	"math/rand/v2"
	"testing"

	"github.com/mae-vk/mae-vk/vk"
)

// composeCase is a frame with every feature on: an offset, clipped scene
// (partly off the frame on the right), heat on some patches, a hovered
// patch, a translucent UI layer, BGRA output, and awkward sizes.
func composeCase(rng *rand.Rand, bgra uint32) (ComposeParams, []uint32, []uint32, []uint32) {
	p := ComposeParams{
		FrameW: 203, FrameH: 77, Scale: 3, OffX: 5, OffY: -4,
		UIScale: 2, BGRA: bgra,
		Img: 12, Sep: 2, Patch: 4, Grid: 3, Rows: 2,
		HoverRow: 1, HoverPatch: 4,
	}
	p.SrcW, p.SrcH = 4*p.Img+5*p.Sep, p.Rows*p.Img+(p.Rows+1)*p.Sep
	p.UIW, p.UIH = 90, 30
	scene := make([]uint32, p.SrcW*p.SrcH)
	for i := range scene {
		scene[i] = rng.Uint32() | 255<<24
	}
	heat := make([]uint32, p.Rows*p.Grid*p.Grid)
	for i := range heat {
		if rng.IntN(3) > 0 {
			heat[i] = uint32(rng.IntN(256))
		}
	}
	ui := make([]uint32, p.UIW*p.UIH)
	for i := range ui {
		a := []uint32{0, 0, 255, 128, 7}[rng.IntN(5)]
		ui[i] = rng.Uint32()&0xffffff | a<<24
	}
	return p, scene, heat, ui
}

// TestComposeMatchesRef checks the frame composition shader against
// ComposeRef bit for bit (all integer arithmetic), in both byte orders.
func TestComposeMatchesRef(t *testing.T) {
	g := newGPU(t)
	rng := rand.New(rand.NewPCG(11, 12))
	for _, bgra := range []uint32{0, 1} {
		p, scene, heat, ui := composeCase(rng, bgra)
		want := ComposeRef(p, scene, heat, ui)
		sB, hB, uB := g.uploadUint32("scene", scene), g.uploadUint32("heat", heat), g.uploadUint32("ui", ui)
		fB := g.output("frame", len(want))
		g.run(func(r *vk.Recording) error { return g.o.Compose(r, p, sB, hB, uB, fB) })
		got := make([]uint32, len(want))
		if err := fB.ReadUint32(0, got); err != nil {
			t.Fatal(err)
		}
		bad := 0
		for i := range want {
			if got[i] != want[i] {
				if bad < 5 {
					t.Errorf("bgra=%d: pixel (%d, %d) = %#08x, want %#08x", bgra, i%int(p.FrameW), i/int(p.FrameW), got[i], want[i])
				}
				bad++
			}
		}
		if bad > 0 {
			t.Errorf("bgra=%d: %d of %d pixels differ", bgra, bad, len(want))
		}
	}
}

// TestComposeRefPixels pins ComposeRef itself on hand-worked pixels, so
// that shader and reference cannot agree on a wrong frame.
func TestComposeRefPixels(t *testing.T) {
	p := ComposeParams{FrameW: 40, FrameH: 20, Scale: 2, OffX: 1, OffY: 0, UIScale: 1,
		Img: 4, Sep: 1, Patch: 2, Grid: 2, Rows: 1, HoverRow: 0, HoverPatch: 3}
	p.SrcW, p.SrcH = 4*p.Img+5*p.Sep, p.Img+2*p.Sep
	p.UIW, p.UIH = 40, 1
	scene := make([]uint32, p.SrcW*p.SrcH)
	for i := range scene {
		scene[i] = 100 | 110<<8 | 120<<16 | 255<<24
	}
	heat := []uint32{255, 0, 0, 0}
	ui := make([]uint32, p.UIW)
	ui[0] = 200 | 0<<8 | 0<<16 | 255<<24 // opaque red at (0, 0)
	ui[3] = 0 | 0<<8 | 250<<16 | 0<<24   // fully transparent
	f := ComposeRef(p, scene, heat, ui)
	px := func(x, y int) [3]uint32 { return unpackRGB(f[y*int(p.FrameW)+x]) }
	cases := []struct {
		x, y int
		want [3]uint32
	}{
		{0, 0, [3]uint32{200, 0, 0}},     // opaque UI over the background
		{0, 5, [3]uint32{28, 30, 36}},    // left of the scene: background
		{3, 0, [3]uint32{100, 110, 120}}, // separator row under a transparent UI pixel
		// Scene (1..2, 1..2) is patch 0 of image 0's first panel, heat 255:
		// a = 255·166/255 = 166; (255·166 + 100·89 + 127)/255 = 201, (40·166 + 110·89 + 127)/255 = 64,
		// (20·166 + 120·89 + 127)/255 = 55.
		{1 + 2*1, 2 * 1, [3]uint32{201, 64, 55}},
		// Patch 3, scene (3..4, 3..4), is hovered: its edge is the outline colour.
		{1 + 2*3, 2 * 3, [3]uint32{255, 220, 0}},
		// The third panel (scene x from 11) is never tinted.
		{1 + 2*11, 2 * 1, [3]uint32{100, 110, 120}},
		{39, 19, [3]uint32{28, 30, 36}}, // below the scene: background
	}
	for _, c := range cases {
		if got := px(c.x, c.y); got != c.want {
			t.Errorf("pixel (%d, %d) = %v, want %v", c.x, c.y, got, c.want)
		}
	}
	// BGRA swaps red and blue.
	p.BGRA = 1
	if got := ComposeRef(p, scene, heat, ui)[0]; got != 0|0<<8|200<<16|255<<24 {
		t.Errorf("BGRA pixel (0, 0) = %#08x, want %#08x", got, uint32(200<<16|255<<24))
	}
}

// uploadUint32 makes a device buffer holding v.
func (g *gpu) uploadUint32(name string, v []uint32) *vk.Buffer {
	g.t.Helper()
	b, err := g.d.NewBuffer(name, 4*max(len(v), 1))
	if err != nil {
		g.t.Fatal(err)
	}
	g.t.Cleanup(b.Release)
	if len(v) > 0 {
		if err := b.WriteUint32(0, v); err != nil {
			g.t.Fatal(err)
		}
	}
	return b
}
