package ops

// Colours of the frame, as in shaders/compose.comp.
var (
	composeBackground = [3]uint32{28, 30, 36}
	composeTint       = [3]uint32{255, 40, 20}
	composeOutline    = [3]uint32{255, 220, 0}
)

// ComposeRef is Compose on the CPU: the frame [FrameW·FrameH] of packed
// pixels, bit for bit what the shader writes.
func ComposeRef(p ComposeParams, scene, heat, ui []uint32) []uint32 {
	frame := make([]uint32, int(p.FrameW)*int(p.FrameH))
	for i := range frame {
		x, y := int32(uint32(i)%p.FrameW), int32(uint32(i)/p.FrameW)
		col := composeBackground
		dx, dy := x-p.OffX, y-p.OffY
		if dx >= 0 && dy >= 0 {
			sx, sy := uint32(dx)/p.Scale, uint32(dy)/p.Scale
			if sx < p.SrcW && sy < p.SrcH {
				col = unpackRGB(scene[sy*p.SrcW+sx])
				col = composePatch(p, col, sx, sy, heat)
			}
		}
		ux, uy := uint32(x)/p.UIScale, uint32(y)/p.UIScale
		if ux < p.UIW && uy < p.UIH {
			u := ui[uy*p.UIW+ux]
			col = blendRGB(col, unpackRGB(u), u>>24)
		}
		if p.BGRA != 0 {
			frame[i] = col[2] | col[1]<<8 | col[0]<<16 | 255<<24
		} else {
			frame[i] = col[0] | col[1]<<8 | col[2]<<16 | 255<<24
		}
	}
	return frame
}

// composePatch applies the heat tint and the hover outline to scene pixel
// (sx, sy) of colour col, in the first two panels of each row.
func composePatch(p ComposeParams, col [3]uint32, sx, sy uint32, heat []uint32) [3]uint32 {
	if sx < p.Sep || sy < p.Sep {
		return col
	}
	cell := p.Img + p.Sep
	row, ry := (sy-p.Sep)/cell, (sy-p.Sep)%cell
	panel, rx := (sx-p.Sep)/cell, (sx-p.Sep)%cell
	if ry >= p.Img || rx >= p.Img || row >= p.Rows || panel >= 2 {
		return col
	}
	patch := (ry/p.Patch)*p.Grid + rx/p.Patch
	if h := heat[row*p.Grid*p.Grid+patch]; h > 0 {
		col = blendRGB(col, composeTint, h*166/255)
	}
	px, py := rx%p.Patch, ry%p.Patch
	edge := px == 0 || py == 0 || px == p.Patch-1 || py == p.Patch-1
	if edge && int32(row) == p.HoverRow && int32(patch) == p.HoverPatch {
		col = composeOutline
	}
	return col
}

func unpackRGB(v uint32) [3]uint32 { return [3]uint32{v & 255, v >> 8 & 255, v >> 16 & 255} }

// blendRGB is (a·over + (255 − a)·under) / 255, rounded, per channel.
func blendRGB(under, over [3]uint32, a uint32) [3]uint32 {
	var out [3]uint32
	for c := range out {
		out[c] = (over[c]*a + under[c]*(255-a) + 127) / 255
	}
	return out
}
