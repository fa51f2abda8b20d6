package vktest

import (
	"os"
	"testing"

	"github.com/mae-vk/mae-vk/vk"
)

// Open opens the device from the environment (vk.OptionsFromEnv), with
// pipelines not persisted, and closes it when the test ends. The test fails
// if the validation layer reported any warning or error, or if Close finds
// buffers or recordings that were never released.
func Open(t testing.TB) *vk.Device {
	return OpenWith(t, vk.Options{})
}

// OpenWith is Open with some options set by the test.
func OpenWith(t testing.TB, o vk.Options) *vk.Device {
	t.Helper()
	o = vk.OptionsFromEnv(o)
	if o.PipelineCacheDir == "" {
		o.PipelineCacheDir = "-"
	}
	o.OnMessage = func(m vk.Message) {
		if m.Severity >= vk.SeverityWarning {
			t.Errorf("%v", m)
		}
	}
	d, err := vk.Open(o)
	if err != nil {
		t.Fatalf("open Vulkan device (MAEVK_DEVICE=%q): %v", os.Getenv("MAEVK_DEVICE"), err)
	}
	t.Cleanup(func() {
		if err := d.Close(); err != nil {
			t.Errorf("close device: %v", err)
		}
		if w, e, _ := d.Messages(); w+e > 0 {
			t.Errorf("validation reported %d warnings and %d errors on %s", w, e, d.Info.Name)
		}
	})
	return d
}
