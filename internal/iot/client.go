// Package iot is the typed IoT Platform API (version 2018-01-20) that
// controllers use: one method per operation, inputs checked against the
// documented limits before anything is sent, answers decoded into types
// that follow the platform's JSON (wrappers included) and tolerate its
// known variations. Signing, quotas, retries and error classification live
// in internal/aliyun; errors returned here are classified the same way, so
// aliyun.IsNotFound and friends work on them.
package iot

import (
	"context"
	"fmt"
	"net/url"

	"github.com/kiot-dev/kiot/internal/aliyun"
)

// Client calls the IoT Platform for one account, region and instance.
type Client struct {
	api *aliyun.Client
}

// New wraps a signed client.
func New(api *aliyun.Client) *Client { return &Client{api: api} }

// RegionID is the region of the client's account and instance.
func (c *Client) RegionID() string { return c.api.RegionID() }

// IotInstanceID is the instance addressed, or "" for the public instance.
func (c *Client) IotInstanceID() string { return c.api.IotInstanceID() }

// distributionRegion serves the device distribution operations: "can be
// called only by using the endpoint iot.cn-shanghai.aliyuncs.com" (003:L28,
// 002:L5). The seeds' samples of the others use it too (001:L184, 000:L99).
const distributionRegion = "cn-shanghai"

// operation is how an action is sent.
type operation struct {
	// region pins the action to one region.
	region string
	// withoutInstance: the action does not take IotInstanceId. Every 004
	// operation takes it (API-DIGEST §4); the distribution operations name
	// instances with their own parameters (SourceInstanceId, ...).
	withoutInstance bool
	// creates: each successful call makes something new, so a transient
	// failure is not repeated blindly (see aliyun.Request.NotIdempotent).
	// Creates with a natural key are listed too: repeating them would turn
	// a lost success into an "already exists", which the caller must then
	// resolve by looking the object up anyway.
	creates bool
}

// operations lists every action this package calls. A test checks each
// has a row in aliyun.Quotas and a typed call exercised by the tests.
var operations = map[string]operation{
	// Products.
	"CreateProduct":        {creates: true},
	"QueryProduct":         {},
	"QueryProductList":     {},
	"UpdateProduct":        {},
	"DeleteProduct":        {},
	"CreateProductTags":    {},
	"UpdateProductTags":    {},
	"DeleteProductTags":    {},
	"ListProductTags":      {},
	"ListProductByTags":    {},
	"ReleaseProduct":       {},
	"CancelReleaseProduct": {},

	// Devices.
	"RegisterDevice":                 {creates: true},
	"QueryDeviceInfo":                {},
	"QueryDeviceDetail":              {},
	"BatchQueryDeviceDetail":         {},
	"QueryDevice":                    {},
	"DeleteDevice":                   {},
	"GetDeviceStatus":                {},
	"BatchGetDeviceState":            {},
	"DisableThing":                   {},
	"EnableThing":                    {},
	"BatchCheckDeviceNames":          {creates: true},
	"BatchRegisterDeviceWithApplyId": {creates: true},
	"BatchRegisterDevice":            {creates: true},
	"QueryBatchRegisterDeviceStatus": {},
	"QueryPageByApplyId":             {},
	"BatchUpdateDeviceNickname":      {},
	"SaveDeviceProp":                 {},
	"QueryDeviceProp":                {},
	"DeleteDeviceProp":               {},

	// Device groups.
	"CreateDeviceGroup":               {creates: true},
	"UpdateDeviceGroup":               {},
	"DeleteDeviceGroup":               {},
	"BatchAddDeviceGroupRelations":    {},
	"BatchDeleteDeviceGroupRelations": {},
	"QueryDeviceGroupInfo":            {},
	"QueryDeviceGroupList":            {},
	"SetDeviceGroupTags":              {},
	"QueryDeviceGroupTagList":         {},
	"QueryDeviceGroupByDevice":        {},
	"QuerySuperDeviceGroup":           {},
	"QueryDeviceListByDeviceGroup":    {},

	// Device distribution. ListDeviceDistributeJob keeps IotInstanceId:
	// "if you use an Enterprise Edition instance, you must specify the
	// IotInstanceId parameter" (001:L5), though its table omits it.
	"CreateDeviceDistributeJob":   {region: distributionRegion, withoutInstance: true, creates: true},
	"CreateProductDistributeJob":  {region: distributionRegion, withoutInstance: true, creates: true},
	"QueryDeviceDistributeJob":    {region: distributionRegion, withoutInstance: true},
	"ListDeviceDistributeJob":     {region: distributionRegion},
	"QueryDeviceDistributeDetail": {region: distributionRegion, withoutInstance: true},
	"DeleteDeviceDistributeJob":   {region: distributionRegion, withoutInstance: true},
	"QueryDeviceProvisioning":     {region: distributionRegion, withoutInstance: true},
	"ListDistributedDevice":       {region: distributionRegion, withoutInstance: true},
	"ListDistributedProduct":      {region: distributionRegion, withoutInstance: true},
}

// call sends one operation and decodes its answer into out.
func (c *Client) call(ctx context.Context, action string, params url.Values, out any) error {
	op, ok := operations[action]
	if !ok {
		// A programming error in this package, caught by its tests.
		return fmt.Errorf("iot: action %s is not in the operations table", action)
	}
	return c.api.Do(ctx, aliyun.Request{
		Action:            action,
		Params:            params,
		Region:            op.region,
		WithoutInstanceID: op.withoutInstance,
		NotIdempotent:     op.creates,
	}, out)
}
