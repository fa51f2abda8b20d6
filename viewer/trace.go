package viewer

import (
	"encoding/json"
	"fmt"
	"os"
)

// TraceLine is what mae-vk-view --trace reports about one presented frame: enough
// for a test to find every patch on a screen capture and to rebuild the
// reconstruction with mae-vk reconstruct --mask.
type TraceLine struct {
	Frame       int      `json:"frame"`
	Width       int      `json:"width"`
	Height      int      `json:"height"`
	Scale       int      `json:"scale"`
	OffX        int      `json:"off_x"`
	OffY        int      `json:"off_y"`
	Img         int      `json:"img"`
	Sep         int      `json:"sep"`
	Patch       int      `json:"patch"`
	Grid        int      `json:"grid"`
	Start       int      `json:"start"`
	Names       []string `json:"names"`
	Masks       []string `json:"masks"`
	Step        int64    `json:"step"`
	Ratio       float64  `json:"ratio"`
	Loss        float64  `json:"loss"`
	HoverRow    int      `json:"hover_row"`
	HoverPatch  int      `json:"hover_patch"`
	Status      string   `json:"status"`
	CurvePoints int      `json:"curve_points"` // training-loss points of the --follow curve
	Saved       string   `json:"saved,omitempty"`
}

// tracer appends trace lines to a file, each written whole and synced so a
// test polling the file sees complete lines.
type tracer struct {
	f *os.File
	n int
}

func openTracer(path string) (*tracer, error) {
	if path == "" {
		return nil, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("--trace: %w", err)
	}
	return &tracer{f: f}, nil
}

func (t *tracer) write(l TraceLine) error {
	if t == nil {
		return nil
	}
	t.n++
	l.Frame = t.n
	b, err := json.Marshal(l)
	if err != nil {
		return err
	}
	if _, err := t.f.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("--trace: %w", err)
	}
	return nil
}

func (t *tracer) close() {
	if t != nil {
		t.f.Close()
	}
}
