package analysis

import (
	"bytes"
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Series is one line of a line plot. Control draws it dashed (the
// random-init control beside the trained model).
type Series struct {
	Name    string
	X, Y    []float64
	Control bool
	NoLine  bool // points only (one per head)
}

// palette of line colours, one per series name order.
var lineColors = []color.RGBA{
	{0x1f, 0x77, 0xb4, 0xff}, {0xd6, 0x27, 0x28, 0xff}, {0x2c, 0xa0, 0x2c, 0xff},
	{0xff, 0x7f, 0x0e, 0xff}, {0x94, 0x67, 0xbd, 0xff}, {0x8c, 0x56, 0x4b, 0xff},
	{0x7f, 0x7f, 0x7f, 0xff}, {0x17, 0xbe, 0xcf, 0xff},
}

// LinePlot draws the series (non-finite points left out) and returns the
// PNG; logY puts the y axis on a log scale (non-positive points left out).
func LinePlot(title, xLabel, yLabel string, series []Series, logY bool) ([]byte, error) {
	p := plot.New()
	p.Title.Text, p.X.Label.Text, p.Y.Label.Text = title, xLabel, yLabel
	p.Add(plotter.NewGrid())
	p.Legend.Top = true
	if logY {
		p.Y.Scale, p.Y.Tick.Marker = plot.LogScale{}, plot.LogTicks{Prec: 2}
	}
	drawn := 0
	ylo, yhi := math.Inf(1), math.Inf(-1)
	for i, s := range series {
		var xy plotter.XYs
		for j := range s.X {
			if j < len(s.Y) && finite(s.X[j]) && finite(s.Y[j]) && (!logY || s.Y[j] > 0) {
				xy = append(xy, plotter.XY{X: s.X[j], Y: s.Y[j]})
			}
		}
		if len(xy) == 0 {
			continue
		}
		line, points, err := plotter.NewLinePoints(xy)
		if err != nil {
			return nil, fmt.Errorf("analysis: plot %q: %w", title, err)
		}
		c := lineColors[i%len(lineColors)]
		line.Color, points.Color, points.Radius = c, c, vg.Points(2.5)
		line.Width = vg.Points(1.5)
		if s.Control {
			line.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
			points.Shape = draw.BoxGlyph{}
		}
		if s.NoLine {
			p.Add(points)
			p.Legend.Add(s.Name, points)
		} else {
			p.Add(line, points)
			p.Legend.Add(s.Name, line, points)
		}
		drawn++
		for _, pt := range xy {
			ylo, yhi = math.Min(ylo, pt.Y), math.Max(yhi, pt.Y)
		}
	}
	if drawn == 0 {
		return nil, fmt.Errorf("analysis: plot %q: no finite point", title)
	}
	// Room above the data for the legend.
	if logY {
		p.Y.Max = yhi * math.Pow(yhi/ylo, 0.06*float64(drawn)+0.1)
	} else {
		p.Y.Min = math.Min(p.Y.Min, ylo)
		p.Y.Max = yhi + (yhi-ylo+1e-9)*(0.09*float64(drawn)+0.05)
	}
	return render(p, 6*vg.Inch, 4*vg.Inch, title)
}

// grid is a GridXYZ over a row-major matrix, row 0 drawn at the top.
type grid struct {
	rows, cols int
	z          []float64
	lo, hi     float64
}

func (g grid) Dims() (c, r int)   { return g.cols, g.rows }
func (g grid) Z(c, r int) float64 { return g.z[(g.rows-1-r)*g.cols+c] }
func (g grid) X(c int) float64    { return float64(c) }
func (g grid) Y(r int) float64    { return float64(r) }
func (g grid) Min() float64       { return g.lo }
func (g grid) Max() float64       { return g.hi }

// HeatMap draws a rows×cols matrix (row 0 at the top) with the value range
// [lo, hi] (both 0: the data's range) and optional tick labels; it returns
// the PNG. Non-finite cells are drawn at lo.
func HeatMap(title string, rows, cols int, z []float64, lo, hi float64, rowLabels, colLabels []string) ([]byte, error) {
	if len(z) != rows*cols || rows < 1 || cols < 1 {
		panic(fmt.Sprintf("analysis: HeatMap: %d values for %d×%d", len(z), rows, cols))
	}
	if lo == 0 && hi == 0 {
		lo, hi = math.Inf(1), math.Inf(-1)
		for _, v := range z {
			if finite(v) {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
	}
	if !(hi > lo) {
		hi = lo + 1
	}
	clean := make([]float64, len(z))
	for i, v := range z {
		clean[i] = v
		if !finite(v) {
			clean[i] = lo
		}
		clean[i] = math.Min(math.Max(clean[i], lo), hi) // a value past hi (1 + rounding) would be drawn blank
	}
	pal := moreland.SmoothBlueRed()
	pal.SetMin(lo)
	pal.SetMax(hi)
	p := plot.New()
	p.Title.Text = fmt.Sprintf("%s (%.3g … %.3g, blue … red)", title, lo, hi)
	h := plotter.NewHeatMap(grid{rows, cols, clean, lo, hi}, pal.Palette(64))
	p.Add(h)
	if colLabels != nil {
		p.X.Tick.Marker = labelTicksFor(colLabels, false)
	}
	if rowLabels != nil {
		p.Y.Tick.Marker = labelTicksFor(rowLabels, true)
	}
	side := vg.Length(math.Max(3.5, math.Min(7, 0.45*float64(max(rows, cols))))) * vg.Inch
	return render(p, side+1.2*vg.Inch, side, title)
}

// labelTicks names the integer positions of an axis; reversed counts from
// the top (heat-map rows).
type labelTicks []string

func (l labelTicks) Ticks(lo, hi float64) []plot.Tick {
	t := make([]plot.Tick, len(l))
	for i, s := range l {
		t[i] = plot.Tick{Value: float64(i), Label: s}
	}
	return t
}

func labelTicksFor(labels []string, reversed bool) plot.Ticker {
	if !reversed {
		return labelTicks(labels)
	}
	r := make(labelTicks, len(labels))
	for i, s := range labels {
		r[len(labels)-1-i] = s
	}
	return r
}

func render(p *plot.Plot, w, h vg.Length, title string) ([]byte, error) {
	wt, err := p.WriterTo(w, h, "png")
	if err != nil {
		return nil, fmt.Errorf("analysis: plot %q: %w", title, err)
	}
	var buf bytes.Buffer
	if _, err := wt.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("analysis: plot %q: %w", title, err)
	}
	return buf.Bytes(), nil
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
