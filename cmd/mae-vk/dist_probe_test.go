package main

import (
	"encoding/json"
	"testing"
	"time"
)

// TestMPIProbe checks that probe under two ranks, which split the feature
// extraction (300 of 600 train images: batches of 128, 128 and 44, two of them on
// rank 0; 200 test images), reports what one process reports: the same
// features give the same linear-probe and k-NN top-1, for the weights and
// the random baseline.
func TestMPIProbe(t *testing.T) {
	bin := mpiTest(t)
	ck, _ := microFiles(t)
	data := writeLabelledIDX(t, 600, 200)
	args := []string{"probe", "--weights", ck, "--data", data, "--train-images", "300", "--test-images", "200",
		"--epochs", "3", "--baseline", "random", "--json"}
	name, margs := launcher(2, bin, args...)
	out2, err := runBounded(t, 10*time.Minute, name, margs...)
	if err != nil {
		t.Fatalf("%s probe: %v\n%s", name, err, out2)
	}
	noValidationMessages(t, out2)
	out1, err := runBounded(t, 10*time.Minute, bin, args...)
	if err != nil {
		t.Fatalf("probe: %v\n%s", err, out1)
	}
	type row struct {
		Name    string  `json:"name"`
		Top1    float64 `json:"top1"`
		KNNTop1 float64 `json:"knn_top1"`
		NTrain  int     `json:"n_train"`
		NTest   int     `json:"n_test"`
	}
	parse := func(out string) (r struct {
		row
		Baselines []row `json:"baselines"`
	}) {
		if err := json.Unmarshal([]byte(jsonPart(out)), &r); err != nil {
			t.Fatalf("probe --json: %v\n%s", err, out)
		}
		return r
	}
	two, one := parse(out2), parse(out1)
	if one.NTrain != 300 || one.NTest != 200 || len(one.Baselines) != 1 {
		t.Fatalf("one process probed %d/%d images with %d baselines, want 300/200 and 1", one.NTrain, one.NTest, len(one.Baselines))
	}
	if two.row != one.row || len(two.Baselines) != 1 || two.Baselines[0] != one.Baselines[0] {
		t.Errorf("two ranks: %+v %+v; one process: %+v %+v", two.row, two.Baselines, one.row, one.Baselines)
	}
}
