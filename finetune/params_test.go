package finetune

import (
	"math"
	"slices"
	"testing"

	"github.com/mae-vk/mae-vk/mae"
)

// TestFromPretrained checks that the encoder tensors (pos_embed included)
// are copied by name, fc_norm starts at 1/0, the head at N(0, 2e-5²)
// truncated and bias 0, and that nothing of the decoder or the final norm
// is kept.
func TestFromPretrained(t *testing.T) {
	cfg, _ := mae.Preset("micro")
	pre, err := mae.Init(cfg, 4)
	if err != nil {
		t.Fatal(err)
	}
	for i := range pre.Data {
		pre.Data[i] += float32(i%7) * 0.01 // no tensor left at a default value
	}
	p, err := FromPretrained(pre, 10, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, tn := range p.Layout.Tensors {
		_, inPre := pre.Layout.Lookup(tn.Name)
		switch {
		case inPre:
			if !slices.Equal(p.View(tn.Name), pre.View(tn.Name)) {
				t.Errorf("%s not copied", tn.Name)
			}
		case tn.Name == "fc_norm.weight":
			for _, v := range p.View(tn.Name) {
				if v != 1 {
					t.Fatalf("fc_norm.weight holds %v", v)
				}
			}
		case tn.Name == "head.weight":
			var sum2 float64
			for _, v := range p.View(tn.Name) {
				if math.Abs(float64(v)) > 2*HeadInitStd || v == 0 {
					t.Fatalf("head.weight value %v", v)
				}
				sum2 += float64(v) * float64(v)
			}
			if std := math.Sqrt(sum2 / float64(tn.Len())); std < 0.6*HeadInitStd || std > 1.1*HeadInitStd {
				t.Errorf("head.weight std %.3g", std)
			}
		default:
			for _, v := range p.View(tn.Name) {
				if v != 0 {
					t.Fatalf("%s holds %v, want 0", tn.Name, v)
				}
			}
		}
	}
	for _, name := range []string{"norm.weight", "decoder_embed.weight", "mask_token"} {
		if _, ok := p.Layout.Lookup(name); ok {
			t.Errorf("%s kept", name)
		}
	}
}
