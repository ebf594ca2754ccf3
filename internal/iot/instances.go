package iot

// publicInstances are the public instance of each region, as
// CreateDeviceDistributeJob's SourceInstanceId lists them (003:L57–63).
var publicInstances = map[string]string{
	"cn-shanghai":    "iotx-oxssharez200",
	"ap-northeast-1": "iotx-oxssharez300",
	"ap-southeast-1": "iotx-oxssharez400",
	"us-west-1":      "iotx-oxssharez500",
	"us-east-1":      "iotx-oxssharez600",
	"eu-central-1":   "iotx-oxssharez700",
}

// PublicInstanceID is the public instance of region, or "" for a region
// the seeds name none for.
func PublicInstanceID(region string) string { return publicInstances[region] }

// PublicInstanceRegion is the region of a public instance, or "" when id is
// not one (an Enterprise Edition instance).
func PublicInstanceRegion(id string) string {
	for region, public := range publicInstances {
		if public == id {
			return region
		}
	}
	return ""
}
