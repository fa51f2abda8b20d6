// Package vktest opens the device that a test run is pointed at and fails
// the test on any validation message or leaked object.
//
// The test command runs go test once per driver with MAEVK_DEVICE naming it
// and MAEVK_VALIDATE=1 (or sync); see tools/test.sh.
package vktest
