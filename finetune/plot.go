package finetune

import (
	"fmt"
	"image/color"
	"io"
	"strconv"

	"github.com/mae-vk/mae-vk/internal/atomicfile"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// CurvesFile is the run directory's picture of the loss curve (left) and
// the accuracy curve (right).
const CurvesFile = "curves.png"

var (
	trainColor = color.RGBA{31, 119, 180, 255}
	evalColor  = color.RGBA{214, 39, 40, 255}
)

// SaveCurves draws the records of a run: training loss per step and
// held-out loss per epoch on the left; training top-1 (against the
// dominant mixed label) and held-out top-1 and top-5 on the right.
func SaveCurves(path string, recs []Record) error {
	var trLoss, evLoss, trAcc, top1, top5 plotter.XYs
	for _, r := range recs {
		x := float64(r.Step)
		if r.Eval {
			evLoss = append(evLoss, plotter.XY{X: x, Y: r.Loss})
			top1 = append(top1, plotter.XY{X: x, Y: 100 * r.Top1})
			top5 = append(top5, plotter.XY{X: x, Y: 100 * r.Top5})
		} else {
			trLoss = append(trLoss, plotter.XY{X: x, Y: r.Loss})
			trAcc = append(trAcc, plotter.XY{X: x, Y: 100 * r.TrainAcc})
		}
	}
	loss, acc := plot.New(), plot.New()
	loss.Title.Text, loss.X.Label.Text, loss.Y.Label.Text = "fine-tuning loss", "step", "cross-entropy"
	acc.Title.Text, acc.X.Label.Text, acc.Y.Label.Text = "accuracy", "step", "%"
	acc.Y.Min, acc.Y.Max = 0, 100
	loss.Y.Tick.Marker = plot.TickerFunc(func(lo, hi float64) []plot.Tick {
		ts := plot.DefaultTicks{}.Ticks(lo, hi)
		for i := range ts { // the default labels round 2.28 and 2.30 alike
			if ts[i].Label != "" {
				ts[i].Label = strconv.FormatFloat(ts[i].Value, 'f', 3, 64)
			}
		}
		return ts
	})
	type series struct {
		name   string
		pts    plotter.XYs
		col    color.RGBA
		dashed bool
	}
	for _, s := range []struct {
		p  *plot.Plot
		ss []series
	}{
		{loss, []series{{"train", smooth(trLoss, 20), trainColor, false}, {"eval", evLoss, evalColor, false}}},
		{acc, []series{{"train top-1", smooth(trAcc, 20), trainColor, false}, {"eval top-1", top1, evalColor, false}, {"eval top-5", top5, evalColor, true}}},
	} {
		s.p.Add(plotter.NewGrid())
		s.p.Legend.Top = true
		for _, sr := range s.ss {
			if len(sr.pts) == 0 {
				continue
			}
			line, err := plotter.NewLine(sr.pts)
			if err != nil {
				return fmt.Errorf("finetune: curves: %w", err)
			}
			line.Color = sr.col
			if sr.dashed {
				line.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
			}
			s.p.Add(line)
			s.p.Legend.Add(sr.name, line)
		}
	}
	img := vgimg.New(12*vg.Inch, 4.5*vg.Inch)
	dc := draw.New(img)
	cs := plot.Align([][]*plot.Plot{{loss, acc}}, draw.Tiles{Rows: 1, Cols: 2, PadX: vg.Millimeter * 6, PadY: vg.Millimeter * 2}, dc)
	loss.Draw(cs[0][0])
	acc.Draw(cs[0][1])
	return atomicfile.Write(path, func(w io.Writer) error {
		_, err := vgimg.PngCanvas{Canvas: img}.WriteTo(w)
		return err
	})
}

// smooth is a trailing moving average over k points.
func smooth(pts plotter.XYs, k int) plotter.XYs {
	out := make(plotter.XYs, len(pts))
	sum := 0.0
	for i, p := range pts {
		sum += p.Y
		if i >= k {
			sum -= pts[i-k].Y
		}
		out[i] = plotter.XY{X: p.X, Y: sum / float64(min(i+1, k))}
	}
	return out
}
