package analysis

import (
	"fmt"
	"math"
	"strings"
)

// The one-sentence readings of the page: each states what the numbers
// say, comparing the trained model with its random-init control; none
// claims more than the measurement shows.

func encDecAttn(m *Measures, stack string) (dist, ent []float64) {
	for _, l := range m.Layers {
		if l.Attn != nil && strings.HasPrefix(l.Name, stack) {
			dist = append(dist, mean(l.Attn.Distance))
			ent = append(ent, mean(l.Attn.Entropy))
		}
	}
	return dist, ent
}

func lastOf(m *Measures, stack string) LayerStat {
	var out LayerStat
	for _, l := range m.Layers {
		if strings.HasPrefix(l.Name, stack) {
			out = l
		}
	}
	return out
}

func q1Reading(tr, rd *Measures) string {
	te, re := lastOf(tr, "enc"), lastOf(rd, "enc")
	td, _ := encDecAttn(tr, "enc")
	rdd, _ := encDecAttn(rd, "enc")
	return fmt.Sprintf("After the last encoder block the tokens have effective rank %.3g (random init %.3g) and norm %.3g (%.3g); "+
		"the encoder's heads attend at a mean distance of %s patches per layer (random init %s): %s.",
		te.ERank, re.ERank, te.Norm, re.Norm, list(td), list(rdd), compareWord(mean(td), mean(rdd), "farther than", "nearer than", "about as far as")+" at random init")
}

func q2Reading(tr, rd *Measures, runs []RunSummary) string {
	s := fmt.Sprintf("Masked pixels on a patch's border have error %.3g against %s in its centre (random init %.3g and %s)", tr.Edge, optF(tr.Centre), rd.Edge, optF(rd.Centre))
	if tr.Centre != nil {
		s += fmt.Sprintf(": the trained model's error is %s at the edges", compareWord(tr.Edge, *tr.Centre, "higher", "lower", "about the same"))
	}
	s += "."
	if r := sortedRuns(curveRuns(runs), func(r RunSummary) float64 { return float64(r.PatchSize) }, func(a, b RunSummary) bool { return a.DecDepth == b.DecDepth && a.DecDim == b.DecDim }); len(r) > 1 {
		best := r[0]
		for _, x := range r {
			if x.Top1 > best.Top1 {
				best = x
			}
		}
		s += fmt.Sprintf(" Across patch sizes %s, the probe is best at patch %d (top-1 %.3g; differences below %.2g are within two standard errors on %d test images); losses of different patch sizes are on different targets and are not comparable.",
			patchList(r), best.PatchSize, best.Top1, 2*math.Sqrt(best.Top1*(1-best.Top1)/float64(max(best.NTest, 1))), best.NTest)
	}
	return s
}

func patchList(r []RunSummary) string {
	var p []string
	for _, x := range r {
		p = append(p, fmt.Sprint(x.PatchSize))
	}
	return strings.Join(p, ", ")
}

// meanCKA is the mean CKA over pairs of distinct layers of one stack.
func meanCKA(m *Measures, stack string) float64 {
	sum, n := 0.0, 0
	for i, a := range m.CKANames {
		for j, b := range m.CKANames {
			if i < j && strings.HasPrefix(a, stack) && strings.HasPrefix(b, stack) && !strings.HasSuffix(a, " in") {
				sum += m.CKA[i][j]
				n++
			}
		}
	}
	if n == 0 {
		return 0
	}
	return sum / float64(n)
}

func q3Reading(tr, rd *Measures) string {
	return fmt.Sprintf("Mean CKA between encoder blocks is %.3g (random init %.3g) and between decoder blocks %.3g (%.3g): "+
		"the trained encoder's layers are %s at random init.",
		meanCKA(tr, "enc"), meanCKA(rd, "enc"), meanCKA(tr, "dec"), meanCKA(rd, "dec"),
		compareWord(meanCKA(tr, "enc"), meanCKA(rd, "enc"), "more alike than", "less alike than", "about as alike as"))
}

func q4Reading(tr, rd *Measures, runs []RunSummary) string {
	s := fmt.Sprintf("The predicted masked patches have effective rank %.3g against %.3g for the true ones (random init predicts with rank %.3g): the reconstruction is %s than the truth.",
		tr.ERankPred, tr.ERankTrue, rd.ERankPred, compareWord(tr.ERankPred, tr.ERankTrue, "higher-rank", "lower-rank", "about as rank-rich"))
	if r := sortedRuns(curveRuns(runs), func(r RunSummary) float64 { return float64(r.DecDepth) }, func(a, b RunSummary) bool { return a.PatchSize == b.PatchSize && a.DecDim == b.DecDim }); len(r) > 1 {
		var parts []string
		for _, x := range r {
			parts = append(parts, fmt.Sprintf("depth %d: loss %.3g, probe %.3g", x.DecDepth, x.Loss, x.Top1))
		}
		s += " Across decoder depths: " + strings.Join(parts, "; ") + "."
	}
	return s
}

func q5Reading(tr, rd *Measures) string {
	q := tr.Q5
	s := fmt.Sprintf("Over all masked patches the model's error is %.3g, copying the nearest visible patch %.3g, inverse-distance interpolation %.3g, the trivial patch mean %.3g (random-init model %.3g).",
		q.MeanModel, q.MeanCopy, q.MeanIDW, q.MeanTrivial, rd.Q5.MeanModel)
	if len(tr.MaskAttn.Nearest) > 0 {
		s += fmt.Sprintf(" A mask token at distance 1 puts %.3g of its attention on its nearest visible token(s) and %.3g on the other visible ones (random init %.3g and %.3g).",
			tr.MaskAttn.Nearest[0], tr.MaskAttn.OtherVisible[0], rd.MaskAttn.Nearest[0], rd.MaskAttn.OtherVisible[0])
	}
	return s
}

// compareWord says how a compares with b (within 5%: same).
func compareWord(a, b float64, more, less, same string) string {
	switch {
	case a > 1.05*b:
		return more
	case a < 0.95*b:
		return less
	}
	return same
}
