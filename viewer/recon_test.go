package viewer

import (
	"strings"
	"testing"

	"github.com/mae-vk/mae-vk/mae"
)

// TestSameShapeRefusesAnotherModel checks the --follow error for a
// checkpoint of another shape, and that the mask ratio alone is no change.
func TestSameShapeRefusesAnotherModel(t *testing.T) {
	tiny, err := mae.Preset("tiny")
	if err != nil {
		t.Fatal(err)
	}
	micro, err := mae.Preset("micro")
	if err != nil {
		t.Fatal(err)
	}
	other := tiny
	other.MaskRatio = 0.5
	if err := sameShape(tiny, other); err != nil {
		t.Errorf("same shape, other mask ratio: %v", err)
	}
	err = sameShape(tiny, micro)
	if err == nil {
		t.Fatal("tiny vs micro: no error")
	}
	for _, want := range []string{"another model shape", shapeString(micro), shapeString(tiny)} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}
