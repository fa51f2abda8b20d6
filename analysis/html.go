package analysis

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"html/template"
	"math"
)

// section is one question of the page.
type section struct {
	Title, Question string
	Plots           []template.URL // data: URLs of the PNGs
	Table           [][]string     // first row: header
	Reading         string
}

var page = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>mae-vk analyze</title>
<style>
body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}
img{max-width:49%;vertical-align:top;margin:.2em 0}
table{border-collapse:collapse;margin:.8em 0}td,th{border:1px solid #ccc;padding:.2em .6em;text-align:right}
th{background:#f3f3f3}.q{color:#555;font-style:italic}.r{background:#f6f9ff;border-left:4px solid #4a7;padding:.5em 1em}
</style></head><body>
<h1>What this MAE learned</h1>
<p>Weights <code>{{.A.Weights}}</code>; model: image {{.A.Model.ImageSize}}, patch {{.A.Model.PatchSize}},
encoder {{.A.Model.EncDim}}×{{.A.Model.EncDepth}} ({{.A.Model.EncHeads}} heads), decoder {{.A.Model.DecDim}}×{{.A.Model.DecDepth}} ({{.A.Model.DecHeads}} heads),
mask ratio {{.A.Model.MaskRatio}}; {{.A.Images}} images of {{.A.Data}}; device {{.A.Device}}; {{.A.Date}}.
Every measurement stands beside the same measurement on the same architecture at random initialization (dashed lines).
The questions are those of Cao, Xu and Clifton, <i>How to Understand Masked Autoencoders</i> (arXiv 2202.03670). All numbers: <code>analysis.json</code>.</p>
{{range .S}}<h2>{{.Title}}</h2><p class="q">{{.Question}}</p>
{{range .Plots}}<img src="{{.}}" alt="plot">{{end}}
{{if .Table}}<table>{{range $i, $r := .Table}}<tr>{{range $r}}{{if eq $i 0}}<th>{{.}}</th>{{else}}<td>{{.}}</td>{{end}}{{end}}</tr>{{end}}</table>{{end}}
<p class="r">{{.Reading}}</p>
{{end}}</body></html>
`))

func renderHTML(a *Analysis, plots []plotFile) ([]byte, error) {
	img := map[string]template.URL{}
	for _, p := range plots {
		img[p.key] = template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(p.png))
	}
	pick := func(keys ...string) []template.URL {
		var out []template.URL
		for _, k := range keys {
			if u, ok := img[k]; ok {
				out = append(out, u)
			}
		}
		return out
	}
	tr, rd := a.Trained, a.Random
	var s []section
	// Q1.
	t1 := [][]string{{"layer", "token norm", "(random)", "effective rank", "(random)", "attention distance per head", "(random)", "entropy per head", "(random)"}}
	for i, l := range tr.Layers {
		r := rd.Layers[i]
		row := []string{l.Name, f3(l.Norm), f3(r.Norm), f3(l.ERank), f3(r.ERank), "", "", "", ""}
		if l.Attn != nil {
			row[5], row[6], row[7], row[8] = list(l.Attn.Distance), list(r.Attn.Distance), list(l.Attn.Entropy), list(r.Attn.Entropy)
		}
		t1 = append(t1, row)
	}
	s = append(s, section{
		Title:    "Q1. How is the representation space formed, and how does it propagate through the layers?",
		Question: "The paper reads attention as a learned integral kernel that maps the patch functions into a representation space. Measured: the token norm and effective rank after every layer, and each head's mean attention distance and entropy.",
		Plots:    pick("q1_norm", "q1_rank", "q1_attn_distance", "q1_attn_entropy"),
		Table:    t1,
		Reading:  q1Reading(tr, rd),
	})
	// Q2.
	t2 := [][]string{{"", "edge pixels", "centre pixels"}}
	t2 = append(t2, []string{"trained", f3(tr.Edge), optF(tr.Centre)}, []string{"random init", f3(rd.Edge), optF(rd.Centre)})
	t2 = append(t2, runTable(a.Runs)...)
	s = append(s, section{
		Title:    "Q2. Why do patches help?",
		Question: "Measured: the error of the masked pixels by position inside a patch (edge vs centre), and, across runs that differ in patch size, the masked loss and the probe top-1.",
		Plots:    pick("q2_in_patch_trained", "q2_in_patch_random", "q2_patch_size", "q2_patch_size_loss"),
		Table:    t2,
		Reading:  q2Reading(tr, rd, a.Runs),
	})
	// Q3.
	s = append(s, section{
		Title:    "Q3. Why do low and high layers not differ much?",
		Question: "Measured: linear CKA between every pair of layers, on the tokens of the visible patches of the same images.",
		Plots:    pick("q3_cka_trained", "q3_cka_random"),
		Reading:  q3Reading(tr, rd),
	})
	// Q4.
	s = append(s, section{
		Title:    "Q4. Does the decoder matter?",
		Question: "The paper: the decoder reconstructs by a low-rank global interpolation. Measured: the singular-value spectrum of the predicted masked patches against the true ones, and, across runs that differ in decoder depth, loss and probe top-1.",
		Plots:    pick("q4_spectrum", "q4_decoder", "q4_decoder_loss"),
		Table: [][]string{{"", "effective rank of predictions", "effective rank of true patches"},
			{"trained", f3(tr.ERankPred), f3(tr.ERankTrue)}, {"random init", f3(rd.ERankPred), f3(rd.ERankTrue)}},
		Reading: q4Reading(tr, rd, a.Runs),
	})
	// Q5.
	t5 := [][]string{{"distance", "patches", "model", "copy nearest", "inverse distance", "trivial", "random-init model", "attention on nearest visible", "(random)"}}
	for i, d := range tr.Q5.All.Dist {
		row := []string{f3(d), fmt.Sprint(tr.Q5.All.Count[i]), f3(tr.Q5.All.Model[i]), f3(tr.Q5.All.Copy[i]), f3(tr.Q5.All.IDW[i]), f3(tr.Q5.All.Trivial[i]), "", "", ""}
		if i < len(rd.Q5.All.Model) {
			row[6] = f3(rd.Q5.All.Model[i])
		}
		if i < len(tr.MaskAttn.Nearest) {
			row[7] = f3(tr.MaskAttn.Nearest[i])
		}
		if i < len(rd.MaskAttn.Nearest) {
			row[8] = f3(rd.MaskAttn.Nearest[i])
		}
		t5 = append(t5, row)
	}
	s = append(s, section{
		Title:    "Q5. Is a masked patch rebuilt from its nearest visible patch?",
		Question: "Measured: the error of every masked patch by distance to its nearest visible patch, beside copying that patch and inverse-distance interpolation of all visible patches (both given the true patch's mean and variance, as the norm-pix prediction is), a trivial predictor (the patch mean) as the floor, on all patches and on interior ones; and where each mask token's attention goes.",
		Plots:    pick("q5_distance_all", "q5_distance_interior", "q5_attention"),
		Table:    t5,
		Reading:  q5Reading(tr, rd),
	})
	var buf bytes.Buffer
	if err := page.Execute(&buf, struct {
		A *Analysis
		S []section
	}{a, s}); err != nil {
		return nil, fmt.Errorf("analysis: index.html: %w", err)
	}
	return buf.Bytes(), nil
}

func runTable(runs []RunSummary) [][]string {
	if len(runs) == 0 {
		return nil
	}
	t := [][]string{{"run", "patch", "dec depth", "loss", "probe top-1", "k-NN top-1", "random-init loss", "random-init probe", "pixels probe"}}
	for _, r := range runs {
		t = append(t, []string{r.Path, fmt.Sprint(r.PatchSize), fmt.Sprint(r.DecDepth), f3(r.Loss), f3(r.Top1), f3(r.KNNTop1), f3(r.RandLoss), f3(r.RandTop1), f3(r.PixelsTop1)})
	}
	return t
}

func f3(v float64) string {
	if !finite(v) {
		return "–"
	}
	return fmt.Sprintf("%.3g", v)
}

func optF(v *float64) string {
	if v == nil {
		return "–"
	}
	return f3(*v)
}

func list(v []float64) string {
	s := ""
	for i, x := range v {
		if i > 0 {
			s += " "
		}
		s += fmt.Sprintf("%.2f", x)
	}
	return s
}

func mean(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s / math.Max(float64(len(v)), 1)
}
