package shaders

// ComposePush mirrors the push-constant block of compose.comp: the
// geometry of one window frame of mae-vk-view (see ops.Compose).
type ComposePush struct {
	FrameW, FrameH uint32 // the frame (window) in pixels
	SrcW, SrcH     uint32 // the scene: mae.ReconGrid at scale 1, header row cut off
	Scale          uint32 // nearest-neighbour enlargement of the scene, ≥ 1
	OffX, OffY     int32  // the scene's top-left corner in the frame
	UIW, UIH       uint32 // the UI layer
	UIScale        uint32 // its enlargement, ≥ 1
	BGRA           uint32 // 1: write blue, green, red, alpha
	Img, Sep       uint32 // image side and separator width in scene pixels
	Patch, Grid    uint32 // patch side, patches per image side
	Rows           uint32 // images (rows) in the scene
	HoverRow       int32  // the row of the outlined patch, −1 none
	HoverPatch     int32  // its patch index (row-major), −1 none
}
