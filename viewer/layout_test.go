package viewer

import (
	"testing"

	"github.com/mae-vk/mae-vk/mae"
)

// TestLayoutHitsPatchCentres checks that every patch centre of every panel
// hits that patch, that the scene fits the window, and that separators and
// the margin hit nothing.
func TestLayoutHitsPatchCentres(t *testing.T) {
	cfg, err := mae.Preset("tiny")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		w, h  int
		curve bool
	}{{800, 600, false}, {1001, 457, true}, {130, 140, false}} {
		l := newLayout(c.w, c.h, cfg, 3, c.curve)
		if l.offX+l.scale*l.srcW > c.w && l.scale > 1 {
			t.Errorf("%+v: scene %d px wide at scale %d from %d, window %d", c, l.srcW, l.scale, l.offX, c.w)
		}
		for r := range 3 {
			for panel := range 4 {
				for p := range cfg.NumPatches() {
					x, y := l.patchCenter(r, panel, p)
					gr, gp, gpatch, ok := l.hit(float64(x), float64(y))
					if !ok || gr != r || gp != panel || gpatch != p {
						t.Fatalf("%+v: centre (%d, %d) of row %d panel %d patch %d hits %d %d %d %v", c, x, y, r, panel, p, gr, gp, gpatch, ok)
					}
				}
			}
		}
		if _, _, _, ok := l.hit(float64(l.offX+l.scale*l.sep/2), float64(l.offY+l.scale*(l.sep+3))); ok {
			t.Errorf("%+v: the left separator hits a patch", c)
		}
		if _, _, _, ok := l.hit(1, 1); ok {
			t.Errorf("%+v: the margin hits a patch", c)
		}
	}
}
