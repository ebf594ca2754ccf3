package iot

import "fmt"

// Secret is a credential the platform returns (a DeviceSecret or a
// ProductSecret). Controllers put it into a Kubernetes Secret with Reveal;
// every other way of printing it (fmt verbs, JSON) shows a placeholder, so
// a response logged or wrapped into an error whole cannot leak it.
type Secret string

// Reveal returns the secret itself, for writing into a Kubernetes Secret.
func (s Secret) Reveal() string { return string(s) }

// String redacts.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return "REDACTED"
}

// GoString keeps %#v as safe as %v.
func (s Secret) GoString() string { return s.String() }

// Format makes every verb print the redacted form.
func (s Secret) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(s.String())) }

// MarshalJSON keeps JSON encoders (structured loggers) from printing it.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(fmt.Sprintf("%q", s.String())), nil }
