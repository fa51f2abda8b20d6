package analysis

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// plotFile is one PNG of the report.
type plotFile struct {
	key, file string
	png       []byte
}

// WriteReport writes a's plots, analysis.json and the self-contained
// index.html (the plots embedded) into dir, and fills a.Plots and, when
// empty, a.Date (the time of the measurement).
func WriteReport(dir string, a *Analysis) error {
	if a.Date == "" {
		a.Date = time.Now().UTC().Format(time.RFC3339)
	}
	plots, err := makePlots(a)
	if err != nil {
		return err
	}
	a.Plots = map[string]string{}
	for _, p := range plots {
		if err := os.WriteFile(filepath.Join(dir, p.file), p.png, 0o644); err != nil {
			return fmt.Errorf("analysis: %w", err)
		}
		a.Plots[p.key] = p.file
	}
	for _, m := range []*Measures{a.Trained, a.Random} {
		for _, row := range m.CKA {
			for j, v := range row {
				if !finite(v) {
					row[j] = 0 // a constant layer: CKA undefined, reported as 0
				}
			}
		}
	}
	js, err := json.MarshalIndent(a, "", "  ")
	if err != nil {
		return fmt.Errorf("analysis: analysis.json: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "analysis.json"), append(js, '\n'), 0o644); err != nil {
		return fmt.Errorf("analysis: %w", err)
	}
	page, err := renderHTML(a, plots)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "index.html"), page, 0o644); err != nil {
		return fmt.Errorf("analysis: %w", err)
	}
	return nil
}

// PlotKeys are the plots WriteReport draws when a has at least two runs
// (with one run, the across-run plots are left out).
func PlotKeys(runs int) []string {
	k := []string{"q1_norm", "q1_rank", "q1_attn_distance", "q1_attn_entropy", "q2_in_patch_trained", "q2_in_patch_random",
		"q3_cka_trained", "q3_cka_random", "q4_spectrum", "q5_distance_all", "q5_distance_interior", "q5_attention"}
	if runs > 1 {
		k = append(k, "q2_patch_size", "q2_patch_size_loss", "q4_decoder", "q4_decoder_loss")
	}
	return k
}

func makePlots(a *Analysis) ([]plotFile, error) {
	var out []plotFile
	add := func(key string) func([]byte, error) error {
		return func(png []byte, err error) error {
			if err != nil {
				return err
			}
			out = append(out, plotFile{key, key + ".png", png})
			return nil
		}
	}
	tr, rd := a.Trained, a.Random
	sides := []struct {
		name string
		m    *Measures
		ctl  bool
	}{{"trained", tr, false}, {"random init", rd, true}}
	idx := make([]float64, len(tr.Layers))
	for i := range idx {
		idx[i] = float64(i)
	}
	layerSeries := func(f func(LayerStat) float64) []Series {
		var s []Series
		for _, side := range sides {
			y := make([]float64, len(side.m.Layers))
			for i, l := range side.m.Layers {
				y[i] = f(l)
			}
			s = append(s, Series{Name: side.name, X: idx, Y: y, Control: side.ctl})
		}
		return s
	}
	xl := "layer: " + layerList(tr)
	if err := add("q1_norm")(lp("Q1: mean token norm per layer", xl, "L2 norm", layerSeries(func(l LayerStat) float64 { return l.Norm }), false)); err != nil {
		return nil, err
	}
	if err := add("q1_rank")(lp("Q1: effective rank of the tokens per layer", xl, "effective rank", layerSeries(func(l LayerStat) float64 { return l.ERank }), false)); err != nil {
		return nil, err
	}
	headSeries := func(f func(HeadStats) []float64) []Series {
		var s []Series
		for _, side := range sides {
			var x, y, mx, my []float64
			for i, l := range side.m.Layers {
				if l.Attn == nil {
					continue
				}
				for _, v := range f(*l.Attn) {
					x, y = append(x, float64(i)), append(y, v)
				}
				mx, my = append(mx, float64(i)), append(my, mean(f(*l.Attn)))
			}
			s = append(s, Series{Name: side.name + ", each head", X: x, Y: y, Control: side.ctl, NoLine: true},
				Series{Name: side.name + ", mean over heads", X: mx, Y: my, Control: side.ctl})
		}
		return s
	}
	if err := add("q1_attn_distance")(lp("Q1: mean attention distance per head", xl, "patches", headSeries(func(h HeadStats) []float64 { return h.Distance }), false)); err != nil {
		return nil, err
	}
	if err := add("q1_attn_entropy")(lp("Q1: attention entropy per head", xl, "nats", headSeries(func(h HeadStats) []float64 { return h.Entropy }), false)); err != nil {
		return nil, err
	}
	p := a.Model.PatchSize
	lo, hi := rangeOf(tr.InPatch, rd.InPatch)
	if err := add("q2_in_patch_trained")(hm("Q2: masked-pixel error inside a patch, trained", p, p, tr.InPatch, lo, hi, nil, nil)); err != nil {
		return nil, err
	}
	if err := add("q2_in_patch_random")(hm("Q2: masked-pixel error inside a patch, random init", p, p, rd.InPatch, lo, hi, nil, nil)); err != nil {
		return nil, err
	}
	n := len(tr.CKANames)
	for _, side := range []struct {
		key, name string
		m         *Measures
	}{{"q3_cka_trained", "trained", tr}, {"q3_cka_random", "random init", rd}} {
		z := make([]float64, 0, n*n)
		for _, row := range side.m.CKA {
			z = append(z, row...)
		}
		png, err := HeatMap("Q3: linear CKA between layers, "+side.name, n, n, z, 0, 1, side.m.CKANames, shortNames(side.m.CKANames))
		if err != nil {
			return nil, err
		}
		out = append(out, plotFile{side.key, side.key + ".png", png})
	}
	rank := func(v []float64) []float64 {
		x := make([]float64, len(v))
		for i := range x {
			x[i] = float64(i + 1)
		}
		return x
	}
	if err := add("q4_spectrum")(lp("Q4: singular values of the masked patches (÷ largest)", "index", "σ_i / σ_1", []Series{
		{Name: "true patches", X: rank(tr.SpectrumTrue), Y: tr.SpectrumTrue},
		{Name: "trained decoder's prediction", X: rank(tr.SpectrumPred), Y: tr.SpectrumPred},
		{Name: "random-init prediction", X: rank(rd.SpectrumPred), Y: rd.SpectrumPred, Control: true},
	}, true)); err != nil {
		return nil, err
	}
	for _, side := range []struct {
		key, name string
		c, cr     DistanceCurve
	}{{"q5_distance_all", "all masked patches", tr.Q5.All, rd.Q5.All}, {"q5_distance_interior", "interior masked patches", tr.Q5.Interior, rd.Q5.Interior}} {
		png, err := LinePlot("Q5: error by distance to the nearest visible patch, "+side.name, "distance to the nearest visible patch (patches)", "mean squared error (target space)", []Series{
			{Name: "trained model", X: side.c.Dist, Y: side.c.Model},
			{Name: "copy nearest visible", X: side.c.Dist, Y: side.c.Copy},
			{Name: "inverse-distance interpolation", X: side.c.Dist, Y: side.c.IDW},
			{Name: "trivial (patch mean)", X: side.c.Dist, Y: side.c.Trivial},
			{Name: "random-init model", X: side.cr.Dist, Y: side.cr.Model, Control: true},
		}, false)
		if err != nil {
			return nil, err
		}
		out = append(out, plotFile{side.key, side.key + ".png", png})
	}
	ma, mr := tr.MaskAttn, rd.MaskAttn
	if err := add("q5_attention")(lp("Q5: where mask tokens attend (decoder, mean over layers and heads)", "distance to the nearest visible patch (patches)", "share of attention", []Series{
		{Name: "nearest visible token(s)", X: ma.Dist, Y: ma.Nearest},
		{Name: "other visible tokens", X: ma.Dist, Y: ma.OtherVisible},
		{Name: "mask tokens", X: ma.Dist, Y: ma.Masked},
		{Name: "nearest visible, random init", X: mr.Dist, Y: mr.Nearest, Control: true},
		{Name: "other visible, random init", X: mr.Dist, Y: mr.OtherVisible, Control: true},
	}, false)); err != nil {
		return nil, err
	}
	if len(a.Runs) > 1 {
		for _, x := range []struct {
			key, title, xl string
			f              func(RunSummary) float64
			same           func(RunSummary, RunSummary) bool
		}{
			{"q2_patch_size", "Q2: runs by patch size", "patch size (pixels)", func(r RunSummary) float64 { return float64(r.PatchSize) },
				func(r, b RunSummary) bool { return r.DecDepth == b.DecDepth && r.DecDim == b.DecDim }},
			{"q4_decoder", "Q4: runs by decoder depth", "decoder depth (blocks)", func(r RunSummary) float64 { return float64(r.DecDepth) },
				func(r, b RunSummary) bool { return r.PatchSize == b.PatchSize && r.DecDim == b.DecDim }},
		} {
			runs := sortedRuns(curveRuns(a.Runs), x.f, x.same)
			var xs, loss, top1, knn, rtop1, rknn, rloss, px []float64
			for _, r := range runs {
				xs = append(xs, x.f(r))
				loss, top1, knn = append(loss, r.Loss), append(top1, r.Top1), append(knn, r.KNNTop1)
				rtop1, rknn, rloss = append(rtop1, r.RandTop1), append(rknn, r.RandKNN), append(rloss, r.RandLoss)
				px = append(px, r.PixelsTop1)
			}
			png, err := LinePlot(x.title+": top-1 of frozen features", x.xl, "top-1 (test)", []Series{
				{Name: "linear probe", X: xs, Y: top1},
				{Name: "k-NN", X: xs, Y: knn},
				{Name: "linear probe, random init", X: xs, Y: rtop1, Control: true},
				{Name: "k-NN, random init", X: xs, Y: rknn, Control: true},
				{Name: "linear probe on pixels", X: xs, Y: px, Control: true},
			}, false)
			if err != nil {
				return nil, err
			}
			out = append(out, plotFile{x.key, x.key + ".png", png})
			png, err = LinePlot(x.title+": masked loss", x.xl, "loss (each run's own target)", []Series{
				{Name: "trained", X: xs, Y: loss},
				{Name: "random init", X: xs, Y: rloss, Control: true},
			}, false)
			if err != nil {
				return nil, err
			}
			out = append(out, plotFile{x.key + "_loss", x.key + "_loss.png", png})
		}
	}
	return out, nil
}

func lp(title, xl, yl string, s []Series, logY bool) ([]byte, error) {
	return LinePlot(title, xl, yl, s, logY)
}

func hm(title string, rows, cols int, z []float64, lo, hi float64, rl, cl []string) ([]byte, error) {
	return HeatMap(title, rows, cols, z, lo, hi, rl, cl)
}

// curveRuns are the runs of the across-run curves: the --compare runs,
// and the analyzed run too unless a --compare run has its patch size and
// decoder shape (then it may differ in length of training, so it is left
// out of the curves).
func curveRuns(runs []RunSummary) []RunSummary {
	if len(runs) < 2 {
		return runs
	}
	key := func(r RunSummary) [3]int { return [3]int{r.PatchSize, r.DecDepth, r.DecDim} }
	for _, r := range runs[1:] {
		if key(r) == key(runs[0]) {
			return runs[1:]
		}
	}
	return runs
}

// sortedRuns keeps the runs that differ from the first only in what f
// measures (same says which), sorted by f.
func sortedRuns(runs []RunSummary, f func(RunSummary) float64, same func(RunSummary, RunSummary) bool) []RunSummary {
	var out []RunSummary
	for _, r := range runs {
		if same(r, runs[0]) {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b RunSummary) int { return int(math.Copysign(1, f(a)-f(b))) })
	return out
}

func rangeOf(a, b []float64) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, v := range append(append([]float64(nil), a...), b...) {
		if finite(v) {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	return lo, hi
}

func layerList(m *Measures) string {
	return fmt.Sprintf("0 = %s … %d = %s", m.Layers[0].Name, len(m.Layers)-1, m.Layers[len(m.Layers)-1].Name)
}

func shortNames(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = n[:1] + n[4:]
	}
	return out
}
