package loader

// Image is one decoded picture: C planes (1 gray or 3 RGB) of H rows of W
// 8-bit samples, planar and row-major, so sample (c, y, x) is
// Pix[(c*H+y)*W+x]. Sources write into an Image the caller owns, and the
// Transform turns it into the model's tensor; a worker reuses one Image for
// every item, so its buffers stop growing after the largest picture.
type Image struct {
	C, H, W int
	Pix     []uint8

	raw []byte // reusable file buffer for sources that read files
}

// Reset sets the image's shape to c×h×w and sizes Pix to match, reusing its
// memory when it is large enough. The samples are left as they were.
func (m *Image) Reset(c, h, w int) {
	m.C, m.H, m.W = c, h, w
	n := c * h * w
	if cap(m.Pix) < n {
		m.Pix = make([]uint8, n)
	}
	m.Pix = m.Pix[:n]
}

// Plane returns the H×W samples of channel c.
func (m *Image) Plane(c int) []uint8 {
	n := m.H * m.W
	return m.Pix[c*n : (c+1)*n]
}
