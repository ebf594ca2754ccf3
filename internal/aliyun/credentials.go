package aliyun

import (
	"fmt"
)

// Credentials are an AccessKey pair with an optional STS security token.
//
// The secret parts must never reach a log line, an error, an event or a
// metric. Every way Go prints a value (%v, %+v, %#v, %s, JSON) goes through
// the methods below and shows only the AccessKeyId, which is an identifier
// sent in clear in every request, not a secret.
type Credentials struct {
	AccessKeyID     string
	AccessKeySecret string
	SecurityToken   string
}

const redacted = "REDACTED"

// String shows the AccessKeyId and whether a secret and a token are present.
func (c Credentials) String() string {
	return fmt.Sprintf("Credentials{AccessKeyID: %q, AccessKeySecret: %s, SecurityToken: %s}",
		c.AccessKeyID, presence(c.AccessKeySecret), presence(c.SecurityToken))
}

// GoString keeps %#v as safe as %v.
func (c Credentials) GoString() string { return c.String() }

// Format makes every verb print the redacted form.
func (c Credentials) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(c.String())) }

// MarshalJSON keeps structured loggers that encode values as JSON from
// printing the secret.
func (c Credentials) MarshalJSON() ([]byte, error) {
	return fmt.Appendf(nil, `{"accessKeyId":%q,"accessKeySecret":%q,"securityToken":%q}`,
		c.AccessKeyID, presence(c.AccessKeySecret), presence(c.SecurityToken)), nil
}

// Complete reports whether the pair can sign a request.
func (c Credentials) Complete() bool { return c.AccessKeyID != "" && c.AccessKeySecret != "" }

func presence(s string) string {
	if s == "" {
		return "<empty>"
	}
	return redacted
}
