package iot

import "testing"

func TestPublicInstancesRoundTrip(t *testing.T) {
	for region, id := range map[string]string{"cn-shanghai": "iotx-oxssharez200", "ap-southeast-1": "iotx-oxssharez400", "eu-central-1": "iotx-oxssharez700"} {
		if got := PublicInstanceID(region); got != id {
			t.Errorf("PublicInstanceID(%q) = %q, want %q (003:L57–63)", region, got, id)
		}
		if got := PublicInstanceRegion(id); got != region {
			t.Errorf("PublicInstanceRegion(%q) = %q, want %q", id, got, region)
		}
	}
	if PublicInstanceID("cn-hangzhou") != "" || PublicInstanceRegion("iot-cn-kiotsuite01") != "" {
		t.Error("a region without a listed public instance, or an Enterprise instance, must answer empty")
	}
}
