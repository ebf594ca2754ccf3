package aliyun

import (
	"maps"
	"net/url"
	"slices"
	"strings"
)

// newScrubber blanks the caller's secret and security token, raw and in
// every encoding a request carries them (query, form, the doubly encoded
// string-to-sign), out of text that came from elsewhere: gateways echo their
// string-to-sign in signature errors, and that string holds the token.
func newScrubber(creds Credentials) *strings.Replacer {
	var pairs []string
	for _, secret := range []string{creds.AccessKeySecret, creds.SecurityToken} {
		if secret == "" {
			continue
		}
		forms := map[string]bool{
			secret:                               true,
			PercentEncode(secret):                true,
			PercentEncode(PercentEncode(secret)): true,
			url.QueryEscape(secret):              true,
		}
		// Longest first: the replacer tries patterns in argument order, and a
		// raw secret may be a prefix of one of its encodings.
		ordered := slices.SortedFunc(maps.Keys(forms), func(a, b string) int { return len(b) - len(a) })
		for _, form := range ordered {
			pairs = append(pairs, form, redacted)
		}
	}
	return strings.NewReplacer(pairs...)
}

func (c *Client) scrub(s string) string { return c.scrubber.Replace(s) }
