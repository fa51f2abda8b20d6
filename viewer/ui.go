package viewer

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"math"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"

	"github.com/mae-vk/mae-vk/mae"
)

// UI colours.
var (
	barColor   = color.RGBA{16, 16, 20, 235}
	textColor  = color.RGBA{235, 235, 235, 255}
	panelColor = color.RGBA{20, 22, 28, 255}
	axisColor  = color.RGBA{110, 110, 120, 255}
	trainColor = color.RGBA{90, 170, 255, 255}
	evalColor  = color.RGBA{255, 170, 60, 255}
)

// uiLayer draws the status bar and, with follow, the loss curve panel into
// a transparent image of the layout's UI size; text is basicfont's 7×13
// bitmap face, drawn by the program itself.
func uiLayer(l layout, status string, curve *lossCurve) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, l.uiW, l.uiH))
	bar := image.Rect(0, l.barY, l.uiW, l.uiH)
	draw.Draw(img, bar, image.NewUniform(barColor), image.Point{}, draw.Src)
	drawText(img, 6, l.barY+13, status)
	if curve != nil && l.curveX < l.uiW {
		drawCurve(img, image.Rect(l.curveX, 0, l.uiW, l.barY), curve)
	}
	return img
}

// drawText writes s with its baseline at (x, y), clipped to the image.
func drawText(img *image.RGBA, x, y int, s string) {
	d := font.Drawer{Dst: img, Src: image.NewUniform(textColor), Face: basicfont.Face7x13,
		Dot: fixed.P(x, y)}
	d.DrawString(s)
}

// lossCurve is a run's losses, from metrics.jsonl.
type lossCurve struct {
	train, eval []mae.LossPoint
}

// drawCurve plots the curve in r: the training loss (blue) and evaluation
// points (orange) against the step, log-scaled when every loss is positive.
func drawCurve(img *image.RGBA, r image.Rectangle, c *lossCurve) {
	draw.Draw(img, r, image.NewUniform(panelColor), image.Point{}, draw.Src)
	drawText(img, r.Min.X+6, r.Min.Y+15, "loss (metrics.jsonl)")
	plot := image.Rect(r.Min.X+8, r.Min.Y+24, r.Max.X-8, r.Max.Y-22)
	if plot.Dx() < 4 || plot.Dy() < 4 {
		return
	}
	pts := append(append([]mae.LossPoint(nil), c.train...), c.eval...)
	var lo, hi, s0, s1 float64 = math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	logY := true
	for _, p := range pts {
		if math.IsNaN(p.Loss) || math.IsInf(p.Loss, 0) {
			continue
		}
		lo, hi = math.Min(lo, p.Loss), math.Max(hi, p.Loss)
		s0, s1 = math.Min(s0, float64(p.Step)), math.Max(s1, float64(p.Step))
		if p.Loss <= 0 {
			logY = false
		}
	}
	for x := plot.Min.X; x < plot.Max.X; x++ {
		img.SetRGBA(x, plot.Max.Y, axisColor)
	}
	for y := plot.Min.Y; y <= plot.Max.Y; y++ {
		img.SetRGBA(plot.Min.X, y, axisColor)
	}
	if math.IsInf(lo, 0) {
		drawText(img, plot.Min.X+6, plot.Min.Y+16, "no losses yet")
		return
	}
	f := func(v float64) float64 { return v }
	if logY {
		f = math.Log
	}
	y0, y1 := f(lo), f(hi)
	if y1-y0 < 1e-12 {
		y0, y1 = y0-1, y1+1
	}
	if s1-s0 < 1 {
		s0, s1 = s0-1, s1+1
	}
	at := func(p mae.LossPoint) (int, int) {
		x := plot.Min.X + int(math.Round((float64(p.Step)-s0)/(s1-s0)*float64(plot.Dx()-1)))
		y := plot.Max.Y - 1 - int(math.Round((f(p.Loss)-y0)/(y1-y0)*float64(plot.Dy()-2)))
		return x, y
	}
	for i := 1; i < len(c.train); i++ {
		x0, yy0 := at(c.train[i-1])
		x1, yy1 := at(c.train[i])
		line(img, x0, yy0, x1, yy1, trainColor)
	}
	for _, p := range c.eval {
		x, y := at(p)
		for d := -2; d <= 2; d++ {
			img.SetRGBA(x+d, y, evalColor)
			img.SetRGBA(x, y+d, evalColor)
		}
	}
	last := ""
	if n := len(c.train); n > 0 {
		last = fmt.Sprintf("step %d: %.4f", c.train[n-1].Step, c.train[n-1].Loss)
	}
	drawText(img, plot.Min.X, r.Max.Y-6, last)
}

// line draws a straight line (Bresenham). Both steps of an iteration test
// the error as it was before either: testing the y step against the error
// the x step has just changed can step y past y1 (e.g. from (0, 0) to
// (2, 1)), and then the loop never ends.
func line(img *image.RGBA, x0, y0, x1, y1 int, c color.RGBA) {
	dx, dy := abs(x1-x0), -abs(y1-y0)
	sx, sy := sign(x1-x0), sign(y1-y0)
	e := dx + dy
	for {
		img.SetRGBA(x0, y0, c)
		if x0 == x1 && y0 == y1 {
			return
		}
		e2 := 2 * e
		if e2 >= dy {
			e += dy
			x0 += sx
		}
		if e2 <= dx {
			e += dx
			y0 += sy
		}
	}
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

func sign(v int) int {
	switch {
	case v < 0:
		return -1
	case v > 0:
		return 1
	}
	return 0
}

// packRGBA packs an image's pixels as the compose shader reads them:
// r | g<<8 | b<<16 | a<<24.
func packRGBA(img *image.RGBA) []uint32 {
	b := img.Bounds()
	out := make([]uint32, b.Dx()*b.Dy())
	for y := range b.Dy() {
		row := img.Pix[y*img.Stride : y*img.Stride+4*b.Dx()]
		for x := range b.Dx() {
			p := row[4*x : 4*x+4]
			out[y*b.Dx()+x] = uint32(p[0]) | uint32(p[1])<<8 | uint32(p[2])<<16 | uint32(p[3])<<24
		}
	}
	return out
}
