package dist

import (
	"strings"
	"testing"
)

func TestDescribeDiff(t *testing.T) {
	ref := []byte(`{"config":{"seed":1,"batch":8,"data":"mnist"},"data":["mnist",60000]}`)
	mine := []byte(`{"config":{"seed":2,"batch":8,"data":"mnist"},"data":["mnist",100]}`)
	got := describeDiff(ref, mine, 1)
	for _, want := range []string{"config.seed (rank 0: 1, rank 1: 2)", "data.1 (rank 0: 60000, rank 1: 100)"} {
		if !strings.Contains(got, want) {
			t.Errorf("diff %q lacks %q", got, want)
		}
	}
	if strings.Contains(got, "batch") {
		t.Errorf("diff %q names an equal field", got)
	}
	if describeDiff([]byte("x"), mine, 1) != "" {
		t.Error("non-JSON described")
	}
}
