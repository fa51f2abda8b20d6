package viewer

import (
	"image"
	"image/draw"
	"strings"

	"github.com/mae-vk/mae-vk/loader"
	"github.com/mae-vk/mae-vk/mae"
)

// row is one image of the view with its mask and reconstruction.
type row struct {
	name  string    // where the image came from, for the status bar
	image []float32 // [C, H, W] normalized
	mask  []float64 // [L] 1 removed, 0 visible
	pred  []float32 // [L, P], nil until reconstructed
	loss  float32
	stale bool // mask or weights changed since pred
}

// scene is what the window shows: rows of images with their masks and
// reconstructions, drawn as mae.ReconGrid at scale 1 without its header
// row of column labels.
type scene struct {
	cfg   mae.Config
	stats loader.Stats
	rows  []row
}

// grid draws the scene: rows of original | masked | reconstruction |
// pasted, each side cfg.ImageSize pixels, mae.ReconSeparator apart. It is
// mae.ReconGrid less the mae.ReconHeader rows of column labels on top,
// which at scale 1 would not fit the panels: the image is the layout's
// srcW×srcH, with row 0 starting mae.ReconSeparator pixels from the top.
func (s *scene) grid() (*image.RGBA, error) {
	c := s.cfg
	l, pd, plane := c.NumPatches(), c.PatchDim(), c.Channels*c.ImageSize*c.ImageSize
	n := len(s.rows)
	r := mae.Recon{N: n, Images: make([]float32, 0, n*plane), Pred: make([]float32, 0, n*l*pd),
		Mask: make([]float64, 0, n*l), Scale: 1}
	for _, rw := range s.rows {
		r.Images = append(r.Images, rw.image...)
		if rw.pred == nil {
			r.Pred = append(r.Pred, make([]float32, l*pd)...)
		} else {
			r.Pred = append(r.Pred, rw.pred...)
		}
		r.Mask = append(r.Mask, rw.mask...)
	}
	full, err := mae.ReconGrid(c, s.stats, r)
	if err != nil {
		return nil, err
	}
	b := full.Bounds()
	out := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()-mae.ReconHeader))
	draw.Draw(out, out.Bounds(), full, image.Pt(b.Min.X, b.Min.Y+mae.ReconHeader), draw.Src)
	return out, nil
}

// visible counts the visible patches of a mask.
func visible(mask []float64) int {
	n := 0
	for _, v := range mask {
		if v == 0 {
			n++
		}
	}
	return n
}

// setPatch hides (hide) or reveals patch p of row i; it refuses to hide the
// last visible patch and reports whether the mask changed.
func (s *scene) setPatch(i, p int, hide bool) bool {
	m := s.rows[i].mask
	want := 0.0
	if hide {
		want = 1
	}
	if m[p] == want || (hide && visible(m) <= 1) {
		return false
	}
	m[p] = want
	s.rows[i].stale = true
	return true
}

// setMasks replaces every row's mask with row i of mk.
func (s *scene) setMasks(mk mae.Masking) {
	for i := range s.rows {
		copy(s.rows[i].mask, mk.Mask[i*mk.L:(i+1)*mk.L])
		s.rows[i].stale = true
	}
}

// maskString is a mask as mae-vk reconstruct --mask takes it.
func maskString(mask []float64) string {
	var b strings.Builder
	for _, v := range mask {
		if v != 0 {
			b.WriteByte('1')
		} else {
			b.WriteByte('0')
		}
	}
	return b.String()
}

// meanLoss is the mean masked-patch loss of the reconstructed rows.
func (s *scene) meanLoss() (float64, bool) {
	sum, n := 0.0, 0
	for _, r := range s.rows {
		if r.pred != nil {
			sum += float64(r.loss)
			n++
		}
	}
	if n == 0 {
		return 0, false
	}
	return sum / float64(n), true
}
