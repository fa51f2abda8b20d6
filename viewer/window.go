package viewer

import (
	"errors"
	"fmt"
	"os"
	"unsafe"

	"github.com/go-gl/glfw/v3.3/glfw"

	"github.com/mae-vk/mae-vk/vk"
)

// ErrNoDisplay says that there is no window system to open a window on.
var ErrNoDisplay = errors.New("mae-vk-view needs a display (X11 or Wayland); for pictures on a server use `mae-vk reconstruct`")

// eventKind is what an input event is.
type eventKind int

const (
	evKey eventKind = iota
	evChar
	evButton
	evMove
	evDrop
)

// event is one input event, queued by GLFW's callbacks and handled by the
// loop.
type event struct {
	kind   eventKind
	key    glfw.Key
	mods   glfw.ModifierKey
	char   rune
	button glfw.MouseButton
	action glfw.Action
	x, y   float64 // cursor, in framebuffer pixels
	paths  []string
}

// window is the GLFW window with its queued input. GLFW calls must come
// from the main thread (see cmd/mae-vk-view).
type window struct {
	w      *glfw.Window
	exts   []string // the instance extensions a surface of it needs
	events []event
}

// surfaceExtensions asks GLFW which instance extensions a Vulkan surface
// needs. GLFW reports missing ones through its error callback, which the Go
// binding turns into a panic; that becomes an error here.
func surfaceExtensions(gw *glfw.Window) (exts []string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("no installed Vulkan driver offers a window-system surface (GLFW: %v): "+
				"this driver cannot present; choose one that can (VK_DRIVER_FILES, e.g. Mesa's lavapipe)", r)
		}
	}()
	exts = gw.GetRequiredInstanceExtensions()
	if len(exts) == 0 {
		return nil, fmt.Errorf("no installed Vulkan driver offers a window-system surface: " +
			"choose one that can (VK_DRIVER_FILES, e.g. Mesa's lavapipe)")
	}
	return exts, nil
}

// openWindow opens a resizable window without a client API (Vulkan
// presents to it).
func openWindow(width, height int, title string) (*window, error) {
	if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		return nil, ErrNoDisplay
	}
	if err := glfw.Init(); err != nil {
		return nil, fmt.Errorf("%w (GLFW: %v)", ErrNoDisplay, err)
	}
	if !glfw.VulkanSupported() {
		glfw.Terminate()
		return nil, fmt.Errorf("GLFW finds no Vulkan loader with a window-system surface extension: " +
			"install libvulkan1 and a Vulkan driver (make setup)")
	}
	glfw.WindowHint(glfw.ClientAPI, glfw.NoAPI)
	glfw.WindowHint(glfw.Resizable, glfw.True)
	gw, err := glfw.CreateWindow(width, height, title, nil, nil)
	if err != nil {
		glfw.Terminate()
		return nil, fmt.Errorf("open a window: %w", err)
	}
	exts, err := surfaceExtensions(gw)
	if err != nil {
		gw.Destroy()
		glfw.Terminate()
		return nil, err
	}
	w := &window{w: gw, exts: exts}
	push := func(e event) { w.events = append(w.events, e) }
	scale := func() (float64, float64) {
		ww, wh := gw.GetSize()
		fw, fh := gw.GetFramebufferSize()
		if ww == 0 || wh == 0 {
			return 1, 1
		}
		return float64(fw) / float64(ww), float64(fh) / float64(wh)
	}
	gw.SetKeyCallback(func(_ *glfw.Window, k glfw.Key, _ int, a glfw.Action, m glfw.ModifierKey) {
		push(event{kind: evKey, key: k, action: a, mods: m})
	})
	gw.SetCharCallback(func(_ *glfw.Window, r rune) { push(event{kind: evChar, char: r}) })
	gw.SetMouseButtonCallback(func(_ *glfw.Window, b glfw.MouseButton, a glfw.Action, _ glfw.ModifierKey) {
		x, y := gw.GetCursorPos()
		sx, sy := scale()
		push(event{kind: evButton, button: b, action: a, x: x * sx, y: y * sy})
	})
	gw.SetCursorPosCallback(func(_ *glfw.Window, x, y float64) {
		sx, sy := scale()
		push(event{kind: evMove, x: x * sx, y: y * sy})
	})
	gw.SetDropCallback(func(_ *glfw.Window, names []string) { push(event{kind: evDrop, paths: names}) })
	return w, nil
}

// presentOptions asks vk for a device that presents to this window: GLFW's
// instance extensions and its surface.
func (w *window) presentOptions() *vk.PresentOptions {
	return &vk.PresentOptions{
		InstanceExtensions: w.exts,
		CreateSurface: func(instance unsafe.Pointer) (uint64, error) {
			// GLFW returns the address of the VkSurfaceKHR it wrote.
			at, err := w.w.CreateWindowSurface((*byte)(instance), nil)
			if err != nil {
				return 0, err
			}
			return **(**uint64)(unsafe.Pointer(&at)), nil
		},
	}
}

// take returns the queued events and empties the queue.
func (w *window) take() []event {
	ev := w.events
	w.events = nil
	return ev
}

// close destroys the window and ends GLFW.
func (w *window) close() {
	w.w.Destroy()
	glfw.Terminate()
}
