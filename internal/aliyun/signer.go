package aliyun

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"net/url"
	"sort"
	"strings"
)

// The RPC signature of the IoT Platform, exactly as the developer guide's
// section 4.5 defines it (seed 004, L3405–3818). The simulator verifies with
// the same functions; the seed's worked example pins both to the byte.

// PercentEncode is the RFC 3986 encoding of section 4.5 (L3436–3451): the
// UTF-8 bytes of s with everything but A–Z a–z 0–9 - _ . ~ written as %XY in
// upper-case hex. Space is %20 (never +), * is %2A, ~ stays as it is.
func PercentEncode(s string) string {
	if !needsEncoding(s) {
		return s
	}
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s) * 3)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&0x0F])
	}
	return b.String()
}

func needsEncoding(s string) bool {
	for i := 0; i < len(s); i++ {
		if !unreserved(s[i]) {
			return true
		}
	}
	return false
}

func unreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '_' || c == '.' || c == '~'
}

// CanonicalQuery sorts every parameter but Signature by name (byte order, as
// Java's TreeMap does in the seed's sample, L3703) and joins the encoded
// name=value pairs with &. A parameter given several values contributes each.
func CanonicalQuery(params url.Values) string {
	names := make([]string, 0, len(params))
	for name := range params {
		if name != "Signature" {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	var b strings.Builder
	for _, name := range names {
		encodedName := PercentEncode(name)
		for _, value := range params[name] {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(encodedName)
			b.WriteByte('=')
			b.WriteString(PercentEncode(value))
		}
	}
	return b.String()
}

// StringToSign is METHOD & %2F & encode(canonical query) (L3471–3482): the
// canonical query is percent-encoded a second time.
func StringToSign(method, canonicalQuery string) string {
	return method + "&%2F&" + PercentEncode(canonicalQuery)
}

// Sign returns the Base64 HMAC-SHA1 of the request's string-to-sign, keyed
// with the AccessKey secret followed by "&" (L3484–3497).
func Sign(method string, params url.Values, accessKeySecret string) string {
	return signCanonical(method, CanonicalQuery(params), accessKeySecret)
}

// signCanonical signs an already canonical query, so the transport builds
// the canonical form once and sends the same bytes it signed.
func signCanonical(method, canonicalQuery, accessKeySecret string) string {
	mac := hmac.New(sha1.New, []byte(accessKeySecret+"&"))
	mac.Write([]byte(StringToSign(method, canonicalQuery)))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}
