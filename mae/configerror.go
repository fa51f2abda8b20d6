package mae

import (
	"errors"
	"fmt"
	"strings"
)

// ConfigError is a bad setting in a TrainConfig, an EvalConfig or a
// Config. Field names the setting by its Go field path ("Batch",
// "Model.MaskRatio", "Resume"), so that a program can say it in its own
// terms: cmd/mae-vk maps it to the flag's name.
type ConfigError struct {
	Field  string // the field path, e.g. "Model.MaskRatio"
	Value  any    // the value given
	Reason string // what is wrong and what to do; may be empty when Err says it
	Err    error  // the cause, if any
}

// Error says the field, its value and what is wrong.
func (e *ConfigError) Error() string {
	return fmt.Sprintf("mae: %s %v: %s", e.Field, e.Value, e.Detail())
}

// Detail is the message without the field and value.
func (e *ConfigError) Detail() string {
	switch {
	case e.Reason != "" && e.Err != nil:
		return e.Reason + ": " + e.Err.Error()
	case e.Err != nil:
		return e.Err.Error()
	}
	return e.Reason
}

// Unwrap returns the cause.
func (e *ConfigError) Unwrap() error { return e.Err }

// configErrorf is a ConfigError whose reason is formatted.
func configErrorf(field string, value any, format string, args ...any) *ConfigError {
	return &ConfigError{Field: field, Value: value, Reason: fmt.Sprintf(format, args...)}
}

// prefixField puts every ConfigError of a Config's Validate under prefix
// (e.g. "Model"); other errors pass unchanged.
func prefixField(prefix string, err error) error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, prefixField(prefix, e))
		}
		return errors.Join(out...)
	}
	if ce, ok := err.(*ConfigError); ok && !strings.HasPrefix(ce.Field, prefix+".") {
		c := *ce
		c.Field = prefix + "." + c.Field
		return &c
	}
	return err
}
