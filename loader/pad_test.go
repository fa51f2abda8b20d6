package loader

import "testing"

// TestPad checks that a padded source repeats the first items and leaves
// a source already long enough alone; an empty source is an error.
func TestPad(t *testing.T) {
	src := &memSource{n: 5, c: 1, h: 4, w: 4}
	p, err := Pad(src, 12)
	if err != nil {
		t.Fatal(err)
	}
	if p.Len() != 12 {
		t.Fatalf("padded length %d, want 12", p.Len())
	}
	var a, b Image
	for i := range 12 {
		la, err := p.Load(i, &a)
		if err != nil {
			t.Fatal(err)
		}
		lb, err := src.Load(i%5, &b)
		if err != nil {
			t.Fatal(err)
		}
		if la != lb || string(a.Pix) != string(b.Pix) {
			t.Errorf("item %d: label %d, want item %d's %d (or pixels differ)", i, la, i%5, lb)
		}
	}
	if q, err := Pad(src, 5); err != nil || q != Source(src) {
		t.Errorf("Pad to its own length: %v, %v; want the source itself", q, err)
	}
	if _, err := Pad(&memSource{}, 4); err == nil {
		t.Error("padding an empty source: no error")
	}
}
