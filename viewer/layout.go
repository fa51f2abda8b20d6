package viewer

import "github.com/mae-vk/mae-vk/mae"

// UI geometry in UI pixels (the UI layer is enlarged uiScale times).
const (
	uiScale    = 1
	barHeight  = 18 // status bar at the bottom
	margin     = 8  // around the scene, in window pixels
	curveWidth = 0.3
)

// layout is where everything goes in a window of w×h pixels.
type layout struct {
	w, h         int // window (framebuffer) pixels
	scale        int // scene enlargement
	offX, offY   int // the scene's top-left corner
	srcW, srcH   int // the scene in its own pixels
	img, sep     int // image side and separator in scene pixels
	patch, grid  int
	rows         int
	uiW, uiH     int // the UI layer
	curveX       int // UI x where the loss curve panel starts; uiW without one
	barY         int // UI y of the status bar
	sceneW, maxH int // room for the scene in window pixels
}

// newLayout fits the scene of rows images of cfg into a w×h window, with a
// loss curve panel on the right when withCurve.
func newLayout(w, h int, cfg mae.Config, rows int, withCurve bool) layout {
	img, sep := cfg.ImageSize, mae.ReconSeparator
	l := layout{w: w, h: h, img: img, sep: sep, patch: cfg.PatchSize, grid: cfg.GridSize(), rows: rows,
		srcW: 4*img + 5*sep, srcH: rows*img + (rows+1)*sep}
	l.uiW, l.uiH = (w+uiScale-1)/uiScale, (h+uiScale-1)/uiScale
	l.barY = max(0, l.uiH-barHeight)
	l.curveX = l.uiW
	if withCurve {
		l.curveX = int(float64(l.uiW) * (1 - curveWidth))
	}
	l.sceneW = max(1, l.curveX*uiScale-2*margin)
	l.maxH = max(1, l.barY*uiScale-2*margin)
	l.scale = max(1, min(l.sceneW/l.srcW, l.maxH/l.srcH))
	l.offX = margin + max(0, (l.sceneW-l.scale*l.srcW)/2)
	l.offY = margin + max(0, (l.maxH-l.scale*l.srcH)/2)
	return l
}

// hit returns the row, panel (0..3) and patch under window pixel (x, y),
// ok false when it is not over an image.
func (l layout) hit(x, y float64) (row, panel, patch int, ok bool) {
	sx, sy := (int(x) - l.offX), (int(y) - l.offY)
	if sx < 0 || sy < 0 || x < 0 || y < 0 {
		return 0, 0, 0, false
	}
	sx, sy = sx/l.scale, sy/l.scale
	if sx < l.sep || sy < l.sep || sx >= l.srcW || sy >= l.srcH {
		return 0, 0, 0, false
	}
	cell := l.img + l.sep
	row, ry := (sy-l.sep)/cell, (sy-l.sep)%cell
	panel, rx := (sx-l.sep)/cell, (sx-l.sep)%cell
	if ry >= l.img || rx >= l.img || row >= l.rows || panel >= 4 {
		return 0, 0, 0, false
	}
	return row, panel, (ry/l.patch)*l.grid + rx/l.patch, true
}

// patchCenter is the window pixel at the centre of patch p of row r in
// panel, for tests and scripted input.
func (l layout) patchCenter(r, panel, p int) (x, y int) {
	cell := l.img + l.sep
	sx := l.sep + panel*cell + (p%l.grid)*l.patch
	sy := l.sep + r*cell + (p/l.grid)*l.patch
	return l.offX + sx*l.scale + l.patch*l.scale/2, l.offY + sy*l.scale + l.patch*l.scale/2
}
