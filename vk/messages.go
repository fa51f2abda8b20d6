package vk

// #include <stdint.h>
import "C"

import (
	"fmt"
	"runtime/cgo"
	"strings"
	"sync"
)

// Severity of a validation or driver message.
type Severity int

// Message severities, as VkDebugUtilsMessageSeverityFlagBitsEXT.
const (
	SeverityVerbose Severity = 0x1
	SeverityInfo    Severity = 0x10
	SeverityWarning Severity = 0x100
	SeverityError   Severity = 0x1000
)

func (s Severity) String() string {
	switch s {
	case SeverityVerbose:
		return "verbose"
	case SeverityInfo:
		return "info"
	case SeverityWarning:
		return "warning"
	case SeverityError:
		return "error"
	}
	return fmt.Sprintf("severity(%#x)", int(s))
}

// Message is one report from the validation layer or the driver.
type Message struct {
	Severity Severity
	ID       string
	Text     string
}

func (m Message) String() string {
	return fmt.Sprintf("vulkan %s: %s: %s", m.Severity, m.ID, strings.TrimSpace(m.Text))
}

// messageSink counts the messages of one instance and passes them on.
type messageSink struct {
	mu       sync.Mutex
	warnings int
	errors   int
	kept     []Message
	handler  func(Message)
}

const keptMessages = 32

func (s *messageSink) add(m Message) {
	s.mu.Lock()
	switch {
	case m.Severity >= SeverityError:
		s.errors++
	case m.Severity >= SeverityWarning:
		s.warnings++
	}
	if len(s.kept) < keptMessages {
		s.kept = append(s.kept, m)
	}
	h := s.handler
	s.mu.Unlock()
	if h != nil {
		h(m)
	}
}

func (s *messageSink) counts() (warnings, errs int, kept []Message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.warnings, s.errors, append([]Message(nil), s.kept...)
}

//export goVkDebugMessage
func goVkDebugMessage(user C.uintptr_t, severity, kind C.int, id, text *C.char) {
	sink, ok := cgo.Handle(user).Value().(*messageSink)
	if !ok {
		return
	}
	sink.add(Message{Severity: Severity(severity), ID: C.GoString(id), Text: C.GoString(text)})
}
