package iot

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/kiot-dev/kiot/internal/aliyun"
)

// InvalidInputError is a request refused before sending because it breaks
// a documented limit. It is terminal: the same input can never succeed.
type InvalidInputError struct {
	Action  string
	Problem string
}

func (e *InvalidInputError) Error() string {
	return "IoT Platform " + e.Action + ": invalid input: " + e.Problem
}

// Class makes aliyun.IsTerminal true for it.
func (e *InvalidInputError) Class() aliyun.Class { return aliyun.ClassTerminal }

// checker collects the first problem of an input, so each operation states
// its rules as a flat list.
type checker struct {
	action  string
	problem string
}

func check(action string) *checker { return &checker{action: action} }

func (c *checker) fail(format string, args ...any) {
	if c.problem == "" {
		c.problem = fmt.Sprintf(format, args...)
	}
}

func (c *checker) err() error {
	if c.problem == "" {
		return nil
	}
	return &InvalidInputError{Action: c.action, Problem: c.problem}
}

// charset is a documented set of allowed characters, with its wording.
type charset struct {
	extra string // besides ASCII letters and digits
	words string
}

var (
	// ProductName, GroupName, Nickname: letters, digits, _ (L7897, L18221, L10680).
	nameChars = charset{"_", "letters, digits and _"}
	// DeviceName: letters, digits, - _ @ . : (L10655–10670).
	deviceNameChars = charset{"-_@.:", "letters, digits and - _ @ . :"}
	// Tag keys: letters, digits, . (L9381–9389, L19545–19548).
	tagKeyChars = charset{".", "letters, digits and ."}
	// Tag values: letters, digits, _ - (L9391–9399, L19550–19554).
	tagValueChars = charset{"_-", "letters, digits, _ and -"}
)

func (cs charset) allows(s string) bool {
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if 'a' <= ch && ch <= 'z' || 'A' <= ch && ch <= 'Z' || '0' <= ch && ch <= '9' || strings.IndexByte(cs.extra, ch) >= 0 {
			continue
		}
		return false
	}
	return true
}

// text checks a string's length (in characters) and character set. An
// empty optional field is skipped by the caller, not here.
func (c *checker) text(field, value string, minLen, maxLen int, cs charset, cite string) {
	n := utf8.RuneCountInString(value)
	if n < minLen || n > maxLen || !cs.allows(value) {
		c.fail("%s %q must be %d–%d characters of %s (%s)", field, value, minLen, maxLen, cs.words, cite)
	}
}

// required checks that a field is set.
func (c *checker) required(field, value string) {
	if value == "" {
		c.fail("%s is required", field)
	}
}

// maxRunes checks a free-text length.
func (c *checker) maxRunes(field, value string, maxLen int, cite string) {
	if utf8.RuneCountInString(value) > maxLen {
		c.fail("%s is longer than %d characters (%s)", field, maxLen, cite)
	}
}

// count checks the number of items of a list.
func (c *checker) count(field string, n, minN, maxN int, cite string) {
	if n < minN || n > maxN {
		if minN == maxN {
			c.fail("%s must have %d items, not %d (%s)", field, minN, n, cite)
		} else {
			c.fail("%s must have %d–%d items, not %d (%s)", field, minN, maxN, n, cite)
		}
	}
}

// between checks a number's range.
func (c *checker) between(field string, v, lo, hi int, cite string) {
	if v < lo || v > hi {
		c.fail("%s %d must be between %d and %d (%s)", field, v, lo, hi, cite)
	}
}

// Documented limits shared by several operations.
const (
	maxDeviceNamesPerCall = 10000 // BatchCheckDeviceNames L13445, CreateDeviceDistributeJob 003:L45–47
	maxDescriptionLength  = 100   // product L7944, group L18258
)

func (c *checker) productName(v string) {
	c.text("ProductName", v, 4, 30, nameChars, "004 L7897–7907")
}

func (c *checker) deviceName(field, v string) {
	c.text(field, v, 4, 32, deviceNameChars, "004 L10655–10670")
}

func (c *checker) deviceNames(field string, names []string, minN, maxN int, cite string) {
	c.count(field, len(names), minN, maxN, cite)
	for _, n := range names {
		c.deviceName(field, n)
	}
}

// oneOf checks an optional string against its documented values.
func (c *checker) oneOf(field, value, cite string, allowed ...string) {
	if value != "" && !slices.Contains(allowed, value) {
		c.fail("%s %q must be one of %v (%s)", field, value, allowed, cite)
	}
}

func (c *checker) oneOfInt(field string, value int, cite string, allowed ...int) {
	if !slices.Contains(allowed, value) {
		c.fail("%s %d must be one of %v (%s)", field, value, allowed, cite)
	}
}

// InvalidAnswerError is an answer that decoded but does not mean anything
// usable (a malformed embedded document, say). It is not classified: the
// caller retries as for any unexpected error.
type InvalidAnswerError struct {
	Action  string
	Problem string
}

func (e *InvalidAnswerError) Error() string {
	return "IoT Platform " + e.Action + ": unusable answer: " + e.Problem
}
