package viewer

import (
	"math"

	"github.com/go-gl/glfw/v3.3/glfw"
)

// Mask ratio steps of + and −.
const (
	ratioStep = 0.05
	ratioMin  = 0.05
	ratioMax  = 0.95
)

// handle applies one input event:
//
//	left button, drag   hide (or, starting on a hidden patch, reveal) patches
//	space               a new random mask at the current ratio
//	+ / −               change the ratio by 5 points and draw new masks
//	→ / ←               next / previous page of images; ↓ / ↑ one image
//	o                   open a picture (typed in the terminal; or drop a file)
//	s                   save the view as PNG
//	q, Esc              quit
func (a *app) handle(e event) error {
	switch e.kind {
	case evKey:
		if e.action == glfw.Release {
			return nil
		}
		return a.key(e.key, e.action == glfw.Repeat)
	case evChar:
		switch e.char {
		case '+', '=':
			a.setRatio(a.ratio + ratioStep)
		case '-':
			a.setRatio(a.ratio - ratioStep)
		}
	case evButton:
		if e.button != glfw.MouseButtonLeft {
			return nil
		}
		a.cursorX, a.cursorY = e.x, e.y
		if e.action == glfw.Release {
			a.painting = false
			return nil
		}
		r, _, p, ok := a.layout().hit(e.x, e.y)
		if !ok {
			return nil
		}
		a.painting, a.paintHide = true, a.sc.rows[r].mask[p] == 0
		a.paint(r, p)
	case evMove:
		a.cursorX, a.cursorY = e.x, e.y
		r, _, p, ok := a.layout().hit(e.x, e.y)
		if !ok {
			r, p = -1, -1
		}
		if a.painting && ok {
			a.paint(r, p)
		}
		if r != a.hoverRow || p != a.hoverPatch {
			a.hoverRow, a.hoverPatch, a.dirty = r, p, true
		}
	case evDrop:
		if len(e.paths) > 0 {
			a.openPicture(e.paths[0])
		}
	}
	return nil
}

// key handles a key press (or repeat).
func (a *app) key(k glfw.Key, repeat bool) error {
	switch k {
	case glfw.KeyQ, glfw.KeyEscape:
		a.win.w.SetShouldClose(true)
	case glfw.KeySpace:
		a.newMasks()
	case glfw.KeyKPAdd:
		a.setRatio(a.ratio + ratioStep)
	case glfw.KeyKPSubtract:
		a.setRatio(a.ratio - ratioStep)
	case glfw.KeyRight:
		return a.move(len(a.sc.rows))
	case glfw.KeyLeft:
		return a.move(-len(a.sc.rows))
	case glfw.KeyDown:
		return a.move(1)
	case glfw.KeyUp:
		return a.move(-1)
	case glfw.KeyO:
		if !repeat {
			a.askPath()
		}
	case glfw.KeyS:
		if !repeat {
			a.saveView()
		}
	}
	return nil
}

// paint applies the current stroke to patch p of row r.
func (a *app) paint(r, p int) {
	if a.sc.setPatch(r, p, a.paintHide) {
		a.heatFor, a.dirty = [2]int{-1, -1}, true
	}
}

// setRatio sets the mask ratio (clamped, to whole percents) and draws new masks.
func (a *app) setRatio(v float64) {
	a.ratio = math.Round(max(ratioMin, min(ratioMax, v))*100) / 100
	a.newMasks()
}

// move shifts the rows by d items of the data set.
func (a *app) move(d int) error {
	a.heatFor = [2]int{-1, -1}
	return a.loadRows(a.start + d)
}
