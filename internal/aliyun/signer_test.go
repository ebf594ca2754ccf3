package aliyun

import (
	"net/url"
	"testing"
	"unicode/utf8"
)

// The seed's worked example (004, L3504–3539).
func seedPubExample() url.Values {
	return url.Values{
		"AccessKeyId":      {"testid"},
		"Action":           {"Pub"},
		"ProductKey":       {"12345abcde"},
		"TopicFullName":    {"/12345abcde/testdevice/user/get"},
		"MessageContent":   {"aGVsbG8gd29ybGQ"},
		"Qos":              {"0"},
		"Format":           {"XML"},
		"Version":          {"2018-01-20"},
		"SignatureMethod":  {"HMAC-SHA1"},
		"SignatureVersion": {"1.0"},
		"SignatureNonce":   {"3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"},
		"Timestamp":        {"2018-07-31T07:43:57Z"},
		"RegionId":         {"cn-shanghai"},
	}
}

func TestSeedWorkedExample(t *testing.T) {
	params := seedPubExample()
	wantCanonical := "AccessKeyId=testid&Action=Pub&Format=XML&MessageContent=aGVsbG8gd29ybGQ&ProductKey=12345abcde&Qos=0&RegionId=cn-shanghai&SignatureMethod=HMAC-SHA1&SignatureNonce=3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf&SignatureVersion=1.0&Timestamp=2018-07-31T07%3A43%3A57Z&TopicFullName=%2F12345abcde%2Ftestdevice%2Fuser%2Fget&Version=2018-01-20"
	if got := CanonicalQuery(params); got != wantCanonical {
		t.Fatalf("canonical query:\n got %s\nwant %s", got, wantCanonical)
	}
	// L3519–3523, joined.
	wantStringToSign := "GET&%2F&AccessKeyId%3Dtestid%26Action%3DPub%26Format%3DXML%26MessageContent%3DaGVsbG8gd29ybGQ%26ProductKey%3D12345abcde%26Qos%3D0%26RegionId%3Dcn-shanghai%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf%26SignatureVersion%3D1.0%26Timestamp%3D2018-07-31T07%253A43%253A57Z%26TopicFullName%3D%252F12345abcde%252Ftestdevice%252Fuser%252Fget%26Version%3D2018-01-20"
	if got := StringToSign("GET", wantCanonical); got != wantStringToSign {
		t.Fatalf("string to sign:\n got %s\nwant %s", got, wantStringToSign)
	}
	if got, want := Sign("GET", params, "testsecret"), "NUh3otvAoXOZmG/a2gDShh6Ze9w="; got != want {
		t.Fatalf("signature = %s, want %s (L3530)", got, want)
	}
	// L3537–3538: the signature as it travels in a query string.
	if got, want := PercentEncode("NUh3otvAoXOZmG/a2gDShh6Ze9w="), "NUh3otvAoXOZmG%2Fa2gDShh6Ze9w%3D"; got != want {
		t.Fatalf("encoded signature = %s, want %s", got, want)
	}
}

func TestSignatureIgnoresSignatureParameter(t *testing.T) {
	params := seedPubExample()
	params.Set("Signature", "anything")
	if got, want := Sign("GET", params, "testsecret"), "NUh3otvAoXOZmG/a2gDShh6Ze9w="; got != want {
		t.Fatalf("signature = %s, want %s", got, want)
	}
}

// The digest's derived vectors (API-DIGEST.md §2): the same request sent with
// POST, and the Main.java "Method 1" RegisterDevice request (L3774–3778) with
// Config.java's keys (L3558–3559).
func TestDerivedVectors(t *testing.T) {
	if got, want := Sign("POST", seedPubExample(), "testsecret"), "rVLd+IEtPsE5AVK50f8QANSq6DA="; got != want {
		t.Errorf("POST signature = %s, want %s", got, want)
	}
	method1, err := url.ParseQuery("AccessKeyId=1234567890123456&Action=RegisterDevice&DeviceName=1533023037&Format=JSON&ProductKey=axxxUtgaRLB&RegionId=cn-shanghai&SignatureMethod=HMAC-SHA1&SignatureNonce=1533023037&SignatureVersion=1.0&Timestamp=2018-07-31T07%3A43%3A57Z&Version=2018-01-20")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := Sign("GET", method1, "123456789012345678901234567890"), "zqw+pTAEOU3GWZhpgGlXJJTTYAo="; got != want {
		t.Errorf("Method 1 signature = %s, want %s", got, want)
	}
}

func TestPercentEncode(t *testing.T) {
	cases := map[string]string{
		"":                "",
		"AZaz09-_.~":      "AZaz09-_.~",
		" ":               "%20",
		"*":               "%2A",
		"+":               "%2B",
		"/":               "%2F",
		"\"":              "%22",
		"a=b&c":           "a%3Db%26c",
		"é":               "%C3%A9",
		"设备":              "%E8%AE%BE%E5%A4%87",
		"%2F":             "%252F",
		"2018-07-31T07:4": "2018-07-31T07%3A4",
	}
	for in, want := range cases {
		if got := PercentEncode(in); got != want {
			t.Errorf("PercentEncode(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCanonicalQueryRepeatedAndEmptyValues(t *testing.T) {
	params := url.Values{"b": {"2", "1"}, "a": {""}, "DeviceName.2": {"y"}, "DeviceName.10": {"z"}}
	// Byte order: "DeviceName.10" < "DeviceName.2"; values keep their order.
	want := "DeviceName.10=z&DeviceName.2=y&a=&b=2&b=1"
	if got := CanonicalQuery(params); got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}

// FuzzPercentEncode checks the encoder against its definition: decoding gives
// the input back, only unreserved bytes stay literal, and every escape is %XY
// with upper-case hex.
func FuzzPercentEncode(f *testing.F) {
	for _, seed := range []string{"", "a b*c~", "设备/名", "\x00\xff", "%41", "ключ=значение&"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		enc := PercentEncode(s)
		dec, err := url.PathUnescape(enc)
		if err != nil || dec != s {
			t.Fatalf("PercentEncode(%q) = %q does not decode back (%q, %v)", s, enc, dec, err)
		}
		for i := 0; i < len(enc); i++ {
			c := enc[i]
			if c == '%' {
				if i+2 >= len(enc) || !isUpperHex(enc[i+1]) || !isUpperHex(enc[i+2]) {
					t.Fatalf("bad escape at %d in %q", i, enc)
				}
				i += 2
				continue
			}
			if !unreserved(c) {
				t.Fatalf("reserved byte %q left literal in %q", c, enc)
			}
		}
		if utf8.ValidString(s) && len(enc) < len(s) {
			t.Fatalf("encoding shrank %q", s)
		}
	})
}

func isUpperHex(c byte) bool { return '0' <= c && c <= '9' || 'A' <= c && c <= 'F' }

func BenchmarkSignTypicalRequest(b *testing.B) {
	params := url.Values{
		"AccessKeyId": {"LTAI5tExampleKeyId000000"}, "Action": {"QueryDeviceDetail"},
		"Format": {"JSON"}, "Version": {"2018-01-20"}, "SignatureMethod": {"HMAC-SHA1"},
		"SignatureVersion": {"1.0"}, "SignatureNonce": {"6f1c0e2a-6a9d-4b8e-9d7b-2d7f7e0e9c11"},
		"Timestamp": {"2026-11-22T10:00:00Z"}, "RegionId": {"cn-shanghai"},
		"IotInstanceId": {"iot-cn-0pp1n8t4u01"}, "ProductKey": {"a1BwAGVabcd"}, "DeviceName": {"light-0042"},
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = Sign("GET", params, "exampleAccessKeySecret000000000")
	}
}
