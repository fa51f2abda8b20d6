package loader

import "math"

// Erasing is timm's RandomErasing as main_finetune.py uses it (mode
// "pixel", one box): with probability Prob a box of area 2–33% of the
// image and aspect ratio 0.3–3.3 is filled with standard normal values,
// per pixel and channel, on the normalized image.
type Erasing struct {
	Prob float64 // 0.25 in the reference
}

// Apply erases at most one box of every image of images [N, C, S, S] in
// place.
func (e Erasing) Apply(r *RNG, images []float32, n, c, s int) {
	if e.Prob <= 0 {
		return
	}
	per := c * s * s
	area := float64(s * s)
	for i := 0; i < n; i++ {
		if r.Float64() >= e.Prob {
			continue
		}
		for attempt := 0; attempt < 10; attempt++ {
			target := area * r.Uniform(0.02, 1.0/3)
			ar := math.Exp(r.Uniform(math.Log(0.3), math.Log(1/0.3)))
			h := int(math.Round(math.Sqrt(target * ar)))
			w := int(math.Round(math.Sqrt(target / ar)))
			if w >= s || h >= s || w < 1 || h < 1 {
				continue
			}
			top, left := r.Intn(s-h+1), r.Intn(s-w+1)
			img := images[i*per : (i+1)*per]
			for ch := 0; ch < c; ch++ {
				for y := top; y < top+h; y++ {
					for x := left; x < left+w; x++ {
						img[ch*s*s+y*s+x] = float32(r.Normal())
					}
				}
			}
			break
		}
	}
}
