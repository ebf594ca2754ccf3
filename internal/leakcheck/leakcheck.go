// Package leakcheck finds secrets in captured text (logs, events, status)
// in every form they could take there: as written, hex- or base64-encoded
// (a Secret's data in a JSON body), or inside a hex dump (client-go logs a
// binary body, such as a protobuf Secret, with hex.Dump at V(8)). Only
// tests import it.
package leakcheck

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"
)

// BodyDumpMessages are the messages client-go logs whole API request and
// response bodies with (rest.Request at V(8)); Kiot's log filter must drop
// them at every verbosity.
var BodyDumpMessages = []string{"Request Body", "Response Body"}

// Forms are the encodings in which secret could appear in text.
func Forms(secret string) []string {
	b := []byte(secret)
	return []string{
		secret,
		hex.EncodeToString(b),
		strings.ToUpper(hex.EncodeToString(b)),
		base64.StdEncoding.EncodeToString(b),
		base64.RawStdEncoding.EncodeToString(b),
		base64.URLEncoding.EncodeToString(b),
		base64.RawURLEncoding.EncodeToString(b),
	}
}

// dumpRow matches one row of hex.Dump: an 8-digit offset, then up to 16
// bytes of two hex digits, each preceded by one or two spaces. The row's
// text column and newline are not needed, so the rows are found even when
// a log encoder escaped the newlines.
var dumpRow = regexp.MustCompile(`[0-9a-f]{8}((?: {1,2}[0-9a-f]{2}){1,16})`)

// HexDumped decodes every hex.Dump row in text, in order, into the bytes
// they show: consecutive rows of one dump give back the dumped body, so a
// secret that a row boundary splits is found whole.
func HexDumped(text string) []byte {
	var out []byte
	for _, m := range dumpRow.FindAllStringSubmatch(text, -1) {
		for _, pair := range strings.Fields(m[1]) {
			if b, err := hex.DecodeString(pair); err == nil {
				out = append(out, b...)
			}
		}
	}
	return out
}

// Find reports each secret found in text, in any of its Forms or inside a
// hex dump, and each client-go body dump, whatever it holds.
func Find(text string, secrets []string) []string {
	var found []string
	for _, msg := range BodyDumpMessages {
		if strings.Contains(text, msg) {
			found = append(found, fmt.Sprintf("a client-go %q dump (whole API bodies must never be logged)", msg))
		}
	}
	dumped := HexDumped(text)
	for i, secret := range secrets {
		if secret == "" {
			continue
		}
		for j, form := range Forms(secret) {
			if strings.Contains(text, form) {
				found = append(found, fmt.Sprintf("secret #%d in form #%d", i, j))
			}
		}
		if bytes.Contains(dumped, []byte(secret)) {
			found = append(found, fmt.Sprintf("secret #%d inside a hex dump", i))
		}
	}
	return found
}
