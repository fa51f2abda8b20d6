package loader

import "fmt"

// DecodeFile decodes the picture file at path into dst, reusing dst's
// memory, with the decoders of image folders: PNG, JPEG, GIF, BMP and WebP,
// recognized by content rather than name, gray pictures as one plane and
// all others as three RGB planes (alpha dropped). Turn the result into a
// model input with a Transform. The error, an *ItemError, names the file.
func DecodeFile(path string, dst *Image) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &ItemError{Path: path, Err: fmt.Errorf("decoder panicked: %v", r)}
		}
	}()
	if err := readFileInto(&dst.raw, path); err != nil {
		return &ItemError{Path: path, Err: err}
	}
	if err := decodeImage(dst, dst.raw); err != nil {
		return &ItemError{Path: path, Err: err}
	}
	return nil
}
