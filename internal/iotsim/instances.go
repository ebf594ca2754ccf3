package iotsim

import "cmp"

// publicInstances are the public instances of each region, the instance a
// request addresses when it names none (seed 003 L57–63).
var publicInstances = []Instance{
	{ID: "iotx-oxssharez200", Region: "cn-shanghai", Name: "Public instance (China (Shanghai))", Public: true},
	{ID: "iotx-oxssharez300", Region: "ap-northeast-1", Name: "Public instance (Japan (Tokyo))", Public: true},
	{ID: "iotx-oxssharez400", Region: "ap-southeast-1", Name: "Public instance (Singapore)", Public: true},
	{ID: "iotx-oxssharez500", Region: "us-west-1", Name: "Public instance (US (Silicon Valley))", Public: true},
	{ID: "iotx-oxssharez600", Region: "us-east-1", Name: "Public instance (US (Virginia))", Public: true},
	{ID: "iotx-oxssharez700", Region: "eu-central-1", Name: "Public instance (Germany (Frankfurt))", Public: true},
}

// instances indexes every instance the simulator knows.
type instances struct {
	byID     map[string]Instance
	byRegion map[string]Instance // the public instance of a region
}

func newInstances(enterprise []Instance) instances {
	in := instances{byID: map[string]Instance{}, byRegion: map[string]Instance{}}
	for _, i := range publicInstances {
		in.byID[i.ID] = i
		in.byRegion[i.Region] = i
	}
	for _, i := range enterprise {
		i.Name = cmp.Or(i.Name, i.ID)
		in.byID[i.ID] = i
	}
	return in
}

// resolve finds the instance a request addresses: IotInstanceId when given
// (which must exist and live in the request's region: another region's
// endpoint does not know it), else the public instance of RegionId.
func (in instances) resolve(region, instanceID string, anyRegion bool) (Instance, *apiError) {
	if instanceID == "" {
		i, ok := in.byRegion[region]
		if !ok {
			return Instance{}, iotErrorf("iot.system.InstanceNotFound",
				"Region %s has no public instance; specify the IotInstanceId of an Enterprise Edition instance.", region)
		}
		return i, nil
	}
	i, ok := in.byID[instanceID]
	if !ok || (!anyRegion && i.Region != region) {
		return Instance{}, iotErrorf("iot.system.InstanceNotFound",
			"The specified instance ID does not exist: %s (in region %s).", instanceID, region)
	}
	return i, nil
}
