package main

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// runCLI runs the app with args and returns what it printed to stdout,
// failing the test on an error.
func runCLI(t *testing.T, args ...string) string {
	t.Helper()
	out, err := runCLIErr(t, args...)
	if err != nil {
		t.Fatalf("mae-vk %s: %v", strings.Join(args, " "), err)
	}
	return out
}

func TestDevicesJSON(t *testing.T) {
	out := runCLI(t, "devices", "--json")
	var devs []map[string]any
	if err := json.Unmarshal([]byte(out), &devs); err != nil {
		t.Fatalf("devices --json is not JSON: %v\n%s", err, out)
	}
	if len(devs) == 0 {
		t.Fatal("no devices")
	}
	for _, field := range []string{"index", "name", "type", "driver", "api_version", "subgroup_size",
		"shared_memory_bytes", "float16", "storage16", "cooperative_matrix", "cooperative_matrix_nv", "cooperative_matrix_shapes", "device_local_bytes", "precisions"} {
		if _, ok := devs[0][field]; !ok {
			t.Errorf("devices --json lacks field %q", field)
		}
	}
	if want := os.Getenv("MAEVK_DEVICE"); want != "" {
		found := false
		for _, d := range devs {
			found = found || strings.Contains(strings.ToLower(d["name"].(string)), strings.ToLower(want))
		}
		if !found {
			t.Errorf("no device named like %q in %s", want, out)
		}
	}
}

func TestDevicesTableAndVersion(t *testing.T) {
	if out := runCLI(t, "devices"); !strings.Contains(out, "SUBGROUP") {
		t.Errorf("devices table:\n%s", out)
	}
	if out := runCLI(t, "version"); !strings.HasPrefix(out, "mae-vk ") {
		t.Errorf("version: %q", out)
	}
}
