package main

import (
	"time"

	"github.com/kiot-dev/kiot/internal/aliyun"
)

// The platform's documented limits a fleet meets (API-DIGEST.md §5, §7).
const (
	// batchNames is BatchCheckDeviceNames' limit of names per call.
	batchNames = 10000
	// applyPage is QueryPageByApplyId's largest PageSize.
	applyPage = 50
)

// quotaFloor is the least time the documented QPS allow for a fleet of
// devices, split into Products of perProduct.
type quotaFloor struct {
	// perDevice registers each device with RegisterDevice.
	perDevice time.Duration
	// batch registers them with BatchCheckDeviceNames,
	// BatchRegisterDeviceWithApplyId and QueryPageByApplyId (which returns
	// the DeviceSecrets): its busiest action bounds it.
	batch       time.Duration
	batchAction string
	// del deletes each device with DeleteDevice (the platform has no batch
	// delete).
	del time.Duration
}

func newQuotaFloor(devices, perProduct int) quotaFloor {
	calls := map[string]int64{}
	for left := devices; left > 0; left -= perProduct {
		inProduct := min(left, perProduct)
		batches := ceilDiv(inProduct, batchNames)
		calls["BatchCheckDeviceNames"] += int64(batches)
		calls["BatchRegisterDeviceWithApplyId"] += int64(batches)
		calls["QueryBatchRegisterDeviceStatus"] += int64(batches)
		for b := range batches {
			calls["QueryPageByApplyId"] += int64(ceilDiv(min(batchNames, inProduct-b*batchNames), applyPage))
		}
	}
	batch, action := quotaBound(calls)
	return quotaFloor{
		perDevice:   floorOf("RegisterDevice", devices),
		batch:       batch,
		batchAction: action,
		del:         floorOf("DeleteDevice", devices),
	}
}

func floorOf(action string, calls int) time.Duration {
	qps, _ := aliyun.QuotaFor(action, 0)
	return seconds(float64(calls) / qps)
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }
