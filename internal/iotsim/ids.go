package iotsim

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// Identifiers look like the platform's (same alphabet and lengths as the
// seeds' samples), so clients that validate or store them meet realistic
// values.

const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

func randString(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alnum[rand.IntN(len(alnum))]
	}
	return string(b)
}

// newProductKey: "a1" and 9 characters, like a1FlqIQ**** (L8326).
func newProductKey() string { return "a1" + randString(9) }

func newProductSecret() string { return randString(16) }

func newDeviceSecret() string { return randString(32) }

// newIotID: 20 characters and a 6-digit suffix, like
// CqXL5h5ysRTA4NxjABjj0010fa**** (L10797).
func newIotID() string { return randString(20) + fmt.Sprintf("%06d", rand.IntN(1000000)) }

func newGroupID() string { return randString(16) }

// newJobID: like UbmsMHmkqv0PiAG****010001 (003 L118).
func newJobID() string { return randString(19) + "010001" }

func newRandomDeviceName() string { return randString(20) }

func newRequestID() string {
	const hex = "0123456789ABCDEF"
	b := make([]byte, 36)
	for i := range b {
		switch i {
		case 8, 13, 18, 23:
			b[i] = '-'
		default:
			b[i] = hex[rand.IntN(16)]
		}
	}
	return string(b)
}

// Time formats of the responses (API-DIGEST §4 "Time formats").

// cst is UTC+8, the offset of the "yyyy-MM-dd HH:mm:ss" Gmt* samples
// (GmtCreate 14:47:08 vs UtcCreate 06:47:08Z, L11751–11752), which the
// tables call "GMT" (ambiguity 13): the samples are what clients meet.
var cst = time.FixedZone("UTC+8", 8*3600)

func gmtLocal(ms int64) string {
	return time.UnixMilli(ms).In(cst).Format("2006-01-02 15:04:05")
}

// utcISO is the Utc* format, 2020-01-08T06:47:08.000Z.
func utcISO(ms int64) string {
	return time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.000Z")
}

// gmtCookie is QueryDevice's Gmt* format, "Wed, 20-Feb-2019 02:16:09 GMT"
// (L12227–12239).
func gmtCookie(ms int64) string {
	return time.UnixMilli(ms).UTC().Format("Mon, 02-Jan-2006 15:04:05 GMT")
}
