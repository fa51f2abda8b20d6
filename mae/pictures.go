package mae

import (
	"errors"
	"fmt"
	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/mae-vk/mae-vk/internal/atomicfile"
	"github.com/mae-vk/mae-vk/loader"
)

// Reconstruction grid geometry and colours.
const (
	ReconSeparator = 2   // pixels between panels and around the grid
	reconGrey      = 128 // masked patches
	reconTarget    = 112 // automatic scaling enlarges images smaller than this
	// ReconHeader is the height of the row of column labels above a grid.
	ReconHeader = 16
)

// ReconLabels name the four columns of a reconstruction grid.
var ReconLabels = [4]string{"original", "masked", "reconstruction", "recon + visible"}

// Recon is one batch of model inputs and outputs to draw with ReconGrid.
type Recon struct {
	N      int       // images in the batch
	Images []float32 // [N, C, H, W] inputs, normalized as the model sees them
	Pred   []float32 // [N, L, p·p·C] decoder output, patches in patchify order (row, column, channel)
	Mask   []float64 // [N, L] as Masking.Mask: 1 removed, 0 visible
	Rows   int       // draw at most this many images; ≤ 0: all N
	Scale  int       // nearest-neighbour enlargement; ≤ 0: automatic (×4 for 28-px images)
}

// ReconGrid draws one row per image, each with four panels:
//
//	original | masked input (removed patches grey) | reconstruction | reconstruction with the visible patches pasted back
//
// The inputs are un-normalized with stats (converted to cfg.Channels with
// Stats.ForChannels) and clamped to [0, 1]. With cfg.NormPixLoss the
// predictions are per-patch normalized pixels: each is first mapped back
// with the mean and the unbiased variance of its target patch, as the
// reference does, pred·√(var + 1e−6) + mean. Panels are separated by
// ReconSeparator white pixels, under a ReconHeader-pixel row that labels
// the columns (ReconLabels); images smaller than 112 pixels are enlarged
// (nearest neighbour) so that a grid reads at a glance. Only 1- and
// 3-channel images can be drawn.
// It panics if the slice lengths do not match cfg and r.N.
func ReconGrid(cfg Config, stats loader.Stats, r Recon) (*image.RGBA, error) {
	c, hw, p, g := cfg.Channels, cfg.ImageSize, cfg.PatchSize, cfg.GridSize()
	l, pd := cfg.NumPatches(), cfg.PatchDim()
	if r.N < 0 || len(r.Images) != r.N*c*hw*hw || len(r.Pred) != r.N*l*pd || len(r.Mask) != r.N*l {
		panic(fmt.Sprintf("mae: ReconGrid: %d images, %d predictions, %d mask values for N=%d C=%d H=W=%d L=%d p·p·C=%d",
			len(r.Images), len(r.Pred), len(r.Mask), r.N, c, hw, l, pd))
	}
	if c != 1 && c != 3 {
		return nil, fmt.Errorf("mae: reconstruction picture: %d channels, can draw 1 or 3", c)
	}
	st, err := stats.ForChannels(c)
	if err != nil {
		return nil, fmt.Errorf("mae: reconstruction picture: %w", err)
	}
	rows := r.N
	if r.Rows > 0 {
		rows = min(rows, r.Rows)
	}
	scale := r.Scale
	if scale <= 0 {
		scale = max(1, reconTarget/hw)
	}
	s, sep := hw*scale, ReconSeparator
	img := image.NewRGBA(image.Rect(0, 0, 4*s+5*sep, ReconHeader+rows*s+(rows+1)*sep))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	for panel, label := range ReconLabels {
		drawLabel(img, sep+panel*(s+sep), s, label)
	}
	plane := c * hw * hw
	for n := range rows {
		x := r.Images[n*plane : (n+1)*plane]
		rec := unpatchPred(x, r.Pred[n*l*pd:(n+1)*l*pd], c, hw, p, cfg.NormPixLoss)
		orig := append([]float32(nil), x...)
		st.Denormalize(orig)
		st.Denormalize(rec)
		mask := r.Mask[n*l : (n+1)*l]
		removed := func(y, x int) bool { return mask[(y/p)*g+x/p] != 0 }
		y0 := ReconHeader + sep + n*(s+sep)
		for panel := range 4 {
			x0 := sep + panel*(s+sep)
			for y := range hw {
				for xx := range hw {
					src, grey := orig, false
					switch {
					case panel == 1:
						grey = removed(y, xx)
					case panel == 2, panel == 3 && removed(y, xx):
						src = rec
					}
					col := color.RGBA{reconGrey, reconGrey, reconGrey, 255}
					if !grey {
						col = pixelAt(src, c, hw, y, xx)
					}
					fillBlock(img, x0+xx*scale, y0+y*scale, scale, col)
				}
			}
		}
	}
	return img, nil
}

// drawLabel writes text in black, centred over the w pixels from x0, in
// the header row (clipped to the column when wider).
func drawLabel(img *image.RGBA, x0, w int, text string) {
	face := basicfont.Face7x13
	col := img.SubImage(image.Rect(x0, 0, x0+w, ReconHeader)).(*image.RGBA)
	d := font.Drawer{Dst: col, Src: image.Black, Face: face}
	tw := d.MeasureString(text).Round()
	d.Dot = fixed.P(x0+max(0, (w-tw)/2), ReconHeader-4)
	d.DrawString(text)
}

// unpatchPred returns the predictions of one image as a normalized
// [C, H, W] image; with normPix each patch is first mapped back with the
// mean and unbiased variance of the same patch of the normalized input x.
func unpatchPred(x, pred []float32, c, hw, p int, normPix bool) []float32 {
	g, pd := hw/p, p*p*c
	out := make([]float32, len(x))
	at := func(gy, gx, k int) int { // flat [C,H,W] index of patch value k
		r, q, ch := k/(p*c), k/c%p, k%c
		return (ch*hw+gy*p+r)*hw + gx*p + q
	}
	for patch := range g * g {
		gy, gx := patch/g, patch%g
		v := pred[patch*pd : (patch+1)*pd]
		mean, std := 0.0, 1.0
		if normPix {
			var sum, sq float64
			for k := range pd {
				sum += float64(x[at(gy, gx, k)])
			}
			mean = sum / float64(pd)
			for k := range pd {
				d := float64(x[at(gy, gx, k)]) - mean
				sq += d * d
			}
			std = math.Sqrt(sq/float64(pd-1) + 1e-6)
		}
		for k := range pd {
			out[at(gy, gx, k)] = float32(float64(v[k])*std + mean)
		}
	}
	return out
}

// pixelAt returns pixel (y, x) of a [C, H, W] image in [0, 1] (clamped).
func pixelAt(img []float32, c, hw, y, x int) color.RGBA {
	b := func(ch int) uint8 {
		v := float64(img[(ch*hw+y)*hw+x])
		if !(v > 0) { // also NaN
			return 0
		}
		return uint8(math.Min(v, 1)*255 + 0.5)
	}
	if c == 1 {
		v := b(0)
		return color.RGBA{v, v, v, 255}
	}
	return color.RGBA{b(0), b(1), b(2), 255}
}

func fillBlock(img *image.RGBA, x0, y0, n int, col color.RGBA) {
	for y := y0; y < y0+n; y++ {
		for x := x0; x < x0+n; x++ {
			img.SetRGBA(x, y, col)
		}
	}
}

// SaveReconGrid draws ReconGrid and writes it to path as PNG, atomically.
func SaveReconGrid(path string, cfg Config, stats loader.Stats, r Recon) error {
	img, err := ReconGrid(cfg, stats, r)
	if err != nil {
		return err
	}
	err = atomicfile.Write(path, func(w io.Writer) error { return png.Encode(w, img) })
	if err != nil {
		return fmt.Errorf("mae: reconstruction picture: %w", err)
	}
	return nil
}

// SaveLossPlot draws the training loss curve, and the evaluation points if
// any, to path as an 8×5-inch PNG, atomically. Non-finite losses are left
// out. The loss axis is logarithmic when all losses are positive and span
// more than a factor of 10.
func SaveLossPlot(path string, train, eval []LossPoint) error {
	tr, ev := finitePoints(train), finitePoints(eval)
	if len(tr)+len(ev) == 0 {
		return errors.New("mae: loss plot: no finite loss to draw")
	}
	p := plot.New()
	p.Title.Text = "MAE pre-training loss"
	p.X.Label.Text = "step"
	p.Y.Label.Text = "loss"
	p.Add(plotter.NewGrid())
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, pts := range []plotter.XYs{tr, ev} {
		for _, pt := range pts {
			lo, hi = math.Min(lo, pt.Y), math.Max(hi, pt.Y)
		}
	}
	if lo > 0 && hi/lo > 10 {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = logTicks{}
	}
	for _, s := range []struct {
		name string
		pts  plotter.XYs
		col  color.RGBA
	}{{"train", tr, color.RGBA{31, 119, 180, 255}}, {"eval", ev, color.RGBA{214, 39, 40, 255}}} {
		if len(s.pts) == 0 {
			continue
		}
		line, points, err := plotter.NewLinePoints(s.pts)
		if err != nil {
			return fmt.Errorf("mae: loss plot: %w", err)
		}
		line.Color, points.Color, points.Radius = s.col, s.col, vg.Points(3)
		if s.name == "train" { // a line alone: its points are too dense
			p.Add(line)
			p.Legend.Add(s.name, line)
			continue
		}
		p.Add(line, points)
		p.Legend.Add(s.name, line, points)
	}
	p.Legend.Top = true
	wt, err := p.WriterTo(8*vg.Inch, 5*vg.Inch, "png")
	if err != nil {
		return fmt.Errorf("mae: loss plot: %w", err)
	}
	err = atomicfile.Write(path, func(w io.Writer) error {
		_, err := wt.WriteTo(w)
		return err
	})
	if err != nil {
		return fmt.Errorf("mae: loss plot: %w", err)
	}
	return nil
}

func finitePoints(pts []LossPoint) plotter.XYs {
	var xy plotter.XYs
	for _, pt := range pts {
		if !math.IsNaN(pt.Loss) && !math.IsInf(pt.Loss, 0) {
			xy = append(xy, plotter.XY{X: float64(pt.Step), Y: pt.Loss})
		}
	}
	return xy
}

// logTicks marks 1…9·10^k on a log axis and labels 1, 2 and 5·10^k.
type logTicks struct{}

// Ticks implements plot.Ticker.
func (logTicks) Ticks(lo, hi float64) []plot.Tick {
	var ticks []plot.Tick
	for e := math.Floor(math.Log10(lo)); math.Pow(10, e) <= hi; e++ {
		for m := 1; m <= 9; m++ {
			v := float64(m) * math.Pow(10, e)
			if v < lo || v > hi {
				continue
			}
			t := plot.Tick{Value: v}
			if m == 1 || m == 2 || m == 5 {
				t.Label = strconv.FormatFloat(v, 'g', 3, 64)
			}
			ticks = append(ticks, t)
		}
	}
	return ticks
}
