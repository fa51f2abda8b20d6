package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestNoWindowSystemInMaeVK keeps mae-vk runnable on a headless server:
// neither it nor anything it imports may depend on GLFW (which links X11);
// the viewer is the separate binary mae-vk-view.
func TestNoWindowSystemInMaeVK(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.Contains(dep, "go-gl/glfw") || strings.HasSuffix(dep, "mae-vk/viewer") {
			t.Errorf("mae-vk depends on %s: keep window-system code in mae-vk-view", dep)
		}
	}
}
