package mae

import (
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/mae-vk/mae-vk/loader"
)

// reconFixture returns n images of cfg with pixel values in [0, 1] before
// normalization, zero predictions and every other patch removed.
func reconFixture(cfg Config, stats loader.Stats, n int) (Recon, [][]float32) {
	c, hw, l := cfg.Channels, cfg.ImageSize, cfg.NumPatches()
	r := Recon{N: n, Images: make([]float32, n*c*hw*hw), Pred: make([]float32, n*l*cfg.PatchDim()), Mask: make([]float64, n*l)}
	raw := make([][]float32, n)
	for s := range n {
		raw[s] = make([]float32, c*hw*hw)
		for i := range raw[s] {
			raw[s][i] = float32((i*7+s*13)%101) / 100
		}
		copy(r.Images[s*c*hw*hw:], raw[s])
		stats.Normalize(r.Images[s*c*hw*hw : (s+1)*c*hw*hw])
		for p := range l {
			r.Mask[s*l+p] = float64((p + s) % 2)
		}
	}
	return r, raw
}

func toByte(v float64) uint8 { return uint8(math.Min(math.Max(v, 0), 1)*255 + 0.5) }

func near(a, b uint8) bool { return a-b <= 1 || b-a <= 1 }

func TestReconGridGray(t *testing.T) {
	cfg, _ := Preset("micro") // 28 px, 1 channel, 7-px patches, 4×4 grid
	stats := loader.FashionMNISTStats()
	r, raw := reconFixture(cfg, stats, 3)
	r.Rows = 2
	path := filepath.Join(t.TempDir(), "recon.png")
	if err := SaveReconGrid(path, cfg, stats, r); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	const scale, sep, s = 4, 2, 28 * 4
	if b := img.Bounds(); b.Dx() != 4*s+5*sep || b.Dy() != ReconHeader+2*s+3*sep {
		t.Fatalf("size %v, want %dx%d", b.Size(), 4*s+5*sep, ReconHeader+2*s+3*sep)
	}
	at := func(row, panel, y, x int) uint8 {
		r, _, _, _ := img.At(sep+panel*(s+sep)+x*scale+1, ReconHeader+sep+row*(s+sep)+y*scale+2).RGBA()
		return uint8(r >> 8)
	}
	if r, g, b, _ := img.At(0, 0).RGBA(); r>>8 != 255 || g>>8 != 255 || b>>8 != 255 {
		t.Errorf("separator not white")
	}
	// Row 1: patch (0,0) is removed ((0+1)%2 = 1), patch (0,1) visible.
	row, removedY, removedX, visY, visX := 1, 3, 2, 4, 10
	if v := at(row, 1, removedY, removedX); v != reconGrey {
		t.Errorf("masked patch in the masked input = %d, want grey %d", v, reconGrey)
	}
	want := toByte(float64(raw[row][visY*28+visX]))
	for _, panel := range []int{0, 1, 3} {
		if v := at(row, panel, visY, visX); !near(v, want) {
			t.Errorf("visible pixel in panel %d = %d, want the original %d", panel, v, want)
		}
	}
	// A zero prediction with norm-pix loss is the target patch's mean.
	var mean float64
	for y := range 7 {
		for x := range 7 {
			mean += float64(raw[row][y*28+x]) / 49
		}
	}
	for _, panel := range []int{2, 3} {
		if v := at(row, panel, removedY, removedX); !near(v, toByte(mean)) {
			t.Errorf("removed pixel in panel %d = %d, want the patch mean %d", panel, v, toByte(mean))
		}
	}
}

func TestReconGridColor(t *testing.T) {
	cfg := Config{ImageSize: 8, Channels: 3, PatchSize: 4, NormPixLoss: false}
	stats := loader.ImageNetStats()
	r, raw := reconFixture(cfg, stats, 1) // zero predictions: the mean colour
	img, err := ReconGrid(cfg, stats, r)
	if err != nil {
		t.Fatal(err)
	}
	const scale, sep, s = 14, 2, 8 * 14 // automatic scale 112/8
	if b := img.Bounds(); b.Dx() != 4*s+5*sep || b.Dy() != ReconHeader+s+2*sep {
		t.Fatalf("size %v", b.Size())
	}
	px := func(panel, y, x int) color.RGBA {
		return img.RGBAAt(sep+panel*(s+sep)+x*scale, ReconHeader+sep+y*scale)
	}
	// Patch 0 is visible (mask (0+0)%2 = 0), patch 1 (x ≥ 4) removed.
	o := px(0, 1, 2)
	wantO := color.RGBA{toByte(float64(raw[0][8+2])), toByte(float64(raw[0][64+8+2])), toByte(float64(raw[0][128+8+2])), 255}
	if !near(o.R, wantO.R) || !near(o.G, wantO.G) || !near(o.B, wantO.B) {
		t.Errorf("original pixel %v, want %v", o, wantO)
	}
	if p := px(3, 1, 2); p != o {
		t.Errorf("pasted visible pixel %v, want the original %v", p, o)
	}
	m := px(3, 1, 5)
	wantM := color.RGBA{toByte(0.485), toByte(0.456), toByte(0.406), 255}
	if !near(m.R, wantM.R) || !near(m.G, wantM.G) || !near(m.B, wantM.B) {
		t.Errorf("reconstructed pixel %v, want the mean colour %v", m, wantM)
	}
	if _, err := ReconGrid(Config{ImageSize: 8, Channels: 2, PatchSize: 4}, stats, Recon{N: 0}); err == nil {
		t.Error("2 channels: no error")
	}
}

func TestSaveLossPlot(t *testing.T) {
	var train, eval []LossPoint
	for i := range 200 {
		train = append(train, LossPoint{int64(i), 2 * math.Exp(-float64(i)/30)})
	}
	train = append(train, LossPoint{200, math.NaN()})
	eval = []LossPoint{{50, 0.5}, {150, 0.05}}
	path := filepath.Join(t.TempDir(), "loss.png")
	if err := SaveLossPlot(path, train, eval); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cfg, err := png.DecodeConfig(f)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Width < 400 || cfg.Height < 200 || cfg.Width <= cfg.Height {
		t.Errorf("plot is %dx%d", cfg.Width, cfg.Height)
	}
	if err := SaveLossPlot(path, nil, []LossPoint{{1, math.Inf(1)}}); err == nil {
		t.Error("no finite point: no error")
	}
}

// TestReconGridLabels checks that each column has its label drawn (dark
// pixels) in the header row, and nothing else is drawn there.
func TestReconGridLabels(t *testing.T) {
	cfg, _ := Preset("micro")
	stats := loader.FashionMNISTStats()
	r, _ := reconFixture(cfg, stats, 1)
	img, err := ReconGrid(cfg, stats, r)
	if err != nil {
		t.Fatal(err)
	}
	const sep, s = ReconSeparator, 28 * 4
	for panel, label := range ReconLabels {
		dark := 0
		for y := range ReconHeader {
			for x := sep + panel*(s+sep); x < sep+panel*(s+sep)+s; x++ {
				if img.RGBAAt(x, y).R < 128 {
					dark++
				}
			}
		}
		// A 7×13 glyph has a dozen or more dark pixels.
		if dark < 10*len(label) {
			t.Errorf("column %d: %d dark pixels in the header, want the label %q", panel, dark, label)
		}
	}
}
