package iot

import (
	"context"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/kiot-dev/kiot/internal/aliyun"
	"github.com/kiot-dev/kiot/internal/iotsim"
)

// opCase is one typed call: the answer the fake platform gives (a seed
// sample where the seeds have one), the parameters the call must send, and
// what the caller must get back.
type opCase struct {
	name   string
	action string
	answer string
	call   func(context.Context, *Client) (any, error)
	params map[string]string
	absent []string
	want   func(t *testing.T, got any)
}

func ptr[T any](v T) *T { return &v }

func equal(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s = %#v, want %#v", what, got, want)
	}
}

var productCases = []opCase{
	{
		name: "CreateProduct", action: "CreateProduct",
		answer: `{"Data":{"Description":"Product test","DataFormat":1,"ProtocolType":"modbus","ProductKey":"a1FlqIQ****","ProductSecret":"U5tW7i44uilc****","NodeType":0,"ProductName":"Test","AliyunCommodityCode":"iothub_senior","AuthType":"secret","ResourceGroupId":"rg-acfmxazb4ph****"},"ProductKey":"a1FlqIQ****","RequestId":"E55E50B7","Success":true}`,
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.CreateProduct(ctx, CreateProductInput{ProductName: "Test_light", NodeType: NodeTypeGateway,
				DataFormat: ptr(DataFormatAlinkJSON), AliyunCommodityCode: CommodityCodeSenior, PublishAuto: ptr(false)})
		},
		params: map[string]string{"ProductName": "Test_light", "NodeType": "1", "DataFormat": "1",
			"AliyunCommodityCode": "iothub_senior", "PublishAuto": "false", "IotInstanceId": "iot-inst-1", "RegionId": "cn-hangzhou"},
		absent: []string{"Description", "AuthType", "ValidateType"},
		want: func(t *testing.T, got any) {
			p := got.(*ProductCreated)
			equal(t, "ProductKey", p.ProductKey, "a1FlqIQ****")
			equal(t, "ProductSecret", p.ProductSecret.Reveal(), "U5tW7i44uilc****")
			equal(t, "ResourceGroupID", p.ResourceGroupID, "rg-acfmxazb4ph****")
			equal(t, "DataFormat", p.DataFormat, FlexInt(1))
		},
	},
	{
		name: "QueryProduct", action: "QueryProduct",
		answer: `{"Data":{"Owner":true,"CategoryName":"Street lighting","DataFormat":1,"ProductKey":"a1BwAGV****","ProductStatus":"DEVELOPMENT_STATUS","GmtCreate":1581595942000,"ProductSecret":"U5tW7i44uilc****","NodeType":0,"ProductName":"Street light","ValidateType":1,"DeviceCount":0,"NetType":3,"AuthType":"secret","CategoryKey":"Lighting","Id2":false,"AliyunCommodityCode":"iothub_senior"},"RequestId":"DA5A3C45","Success":true}`,
		call:   func(ctx context.Context, c *Client) (any, error) { return c.QueryProduct(ctx, "a1BwAGV****") },
		params: map[string]string{"ProductKey": "a1BwAGV****"},
		want: func(t *testing.T, got any) {
			p := got.(*Product)
			equal(t, "status", p.ProductStatus, ProductStatusDevelopment)
			equal(t, "GmtCreate", p.GmtCreate, FlexInt(1581595942000))
			equal(t, "Owner", p.Owner, FlexBool(true))
			equal(t, "NetType", p.NetType, FlexInt(3))
		},
	},
	{
		name: "QueryProductList", action: "QueryProductList",
		answer: `{"Data":{"PageCount":92,"PageSize":2,"List":{"ProductInfo":[{"DataFormat":1,"ProductKey":"a1A0D4t****","NodeType":0,"ProductName":"Street light","DeviceCount":1,"GmtCreate":1569233025000,"AuthType":"secret"}]},"CurrentPage":1,"Total":184},"RequestId":"4B4ECF2C","Success":true}`,
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.QueryProductList(ctx, ProductListInput{Page: Page{PageSize: 2}})
		},
		params: map[string]string{"CurrentPage": "1", "PageSize": "2"},
		want: func(t *testing.T, got any) {
			l := got.(*ProductList)
			equal(t, "page", l.PageInfo, PageInfo{Page: 1, PageSize: 2, PageCount: 92, Total: 184})
			equal(t, "products", len(l.Products), 1)
			equal(t, "key", l.Products[0].ProductKey, "a1A0D4t****")
			equal(t, "HasNext", l.HasNext(), true)
		},
	},
	{
		name: "UpdateProduct", action: "UpdateProduct",
		call: func(ctx context.Context, c *Client) (any, error) {
			return nil, c.UpdateProduct(ctx, UpdateProductInput{ProductKey: "pk", ProductName: "new_name", Description: "d"})
		},
		params: map[string]string{"ProductKey": "pk", "ProductName": "new_name", "Description": "d"},
	},
	{
		name: "DeleteProduct", action: "DeleteProduct",
		call:   func(ctx context.Context, c *Client) (any, error) { return nil, c.DeleteProduct(ctx, "pk") },
		params: map[string]string{"ProductKey": "pk"},
	},
	{
		name: "ReleaseProduct", action: "ReleaseProduct",
		call:   func(ctx context.Context, c *Client) (any, error) { return nil, c.ReleaseProduct(ctx, "pk") },
		params: map[string]string{"ProductKey": "pk"},
	},
	{
		name: "CancelReleaseProduct", action: "CancelReleaseProduct",
		call:   func(ctx context.Context, c *Client) (any, error) { return nil, c.CancelReleaseProduct(ctx, "pk") },
		params: map[string]string{"ProductKey": "pk"},
	},
	{
		name: "CreateProductTags", action: "CreateProductTags",
		call: func(ctx context.Context, c *Client) (any, error) {
			return nil, c.CreateProductTags(ctx, "pk", []Tag{{"room", "kitchen"}, {"kiot.owner", "uid-1"}})
		},
		params: map[string]string{"ProductKey": "pk", "ProductTag.1.TagKey": "room", "ProductTag.1.TagValue": "kitchen",
			"ProductTag.2.TagKey": "kiot.owner", "ProductTag.2.TagValue": "uid-1"},
	},
	{
		name: "UpdateProductTags", action: "UpdateProductTags",
		call: func(ctx context.Context, c *Client) (any, error) {
			return nil, c.UpdateProductTags(ctx, "pk", []Tag{{"room", "hall"}})
		},
		params: map[string]string{"ProductTag.1.TagKey": "room", "ProductTag.1.TagValue": "hall"},
	},
	{
		name: "DeleteProductTags", action: "DeleteProductTags",
		call: func(ctx context.Context, c *Client) (any, error) {
			return nil, c.DeleteProductTags(ctx, "pk", []string{"room", "floor"})
		},
		params: map[string]string{"ProductTagKey.1": "room", "ProductTagKey.2": "floor"},
	},
	{
		name: "ListProductTags", action: "ListProductTags",
		answer: `{"Data":{"ProductTag":[{"TagValue":"alterTable","TagKey":"binary"},{"TagValue":"1234","TagKey":"Lock"}]},"RequestId":"7FBE60F8","Success":true}`,
		call:   func(ctx context.Context, c *Client) (any, error) { return c.ListProductTags(ctx, "pk") },
		want: func(t *testing.T, got any) {
			equal(t, "tags", got, []Tag{{"binary", "alterTable"}, {"Lock", "1234"}})
		},
	},
	{
		name: "ListProductByTags", action: "ListProductByTags",
		answer: `{"RequestId":"09AA366E","Success":true,"ProductInfos":{"ProductInfo":[{"ProductKey":"a1BwAGV****","NodeType":0,"CreateTime":1581595942000,"ProductName":"Street light"}]}}`,
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.ListProductByTags(ctx, []Tag{{TagKey: "kiot.owner"}}, Page{CurrentPage: 1, PageSize: 50})
		},
		params: map[string]string{"ProductTag.1.TagKey": "kiot.owner", "PageSize": "50"},
		absent: []string{"ProductTag.1.TagValue"},
		want: func(t *testing.T, got any) {
			equal(t, "products", got, []TaggedProduct{{ProductKey: "a1BwAGV****", ProductName: "Street light", CreateTime: 1581595942000}})
		},
	},
}

// allCases is every typed call's case; a test below checks that together
// they cover every operation of the package.
func allCases() []opCase {
	var all []opCase
	for _, group := range [][]opCase{productCases, deviceCases, batchCases, groupCases, distributionCases} {
		all = append(all, group...)
	}
	return all
}

func TestOperations(t *testing.T) {
	for _, tc := range allCases() {
		t.Run(tc.name, func(t *testing.T) {
			platform, c := newPlatform(t)
			if tc.answer != "" {
				platform.answer(tc.action, tc.answer)
			}
			got, err := tc.call(context.Background(), c)
			if err != nil {
				t.Fatalf("call: %v", err)
			}
			sent := platform.last()
			if sent == nil {
				t.Fatal("nothing was sent")
			}
			equal(t, "Action", sent.Get("Action"), tc.action)
			for k, v := range tc.params {
				if sent.Get(k) != v {
					t.Errorf("parameter %s = %q, want %q", k, sent.Get(k), v)
				}
			}
			for _, k := range tc.absent {
				if sent.Has(k) {
					t.Errorf("parameter %s sent (%q), want it left to the platform's default", k, sent.Get(k))
				}
			}
			if tc.want != nil {
				tc.want(t, got)
			}
		})
	}
}

// One platform action is a row in three tables keyed by its name: the
// client's operations here, the quota table (internal/aliyun) and the
// simulator's handlers (internal/iotsim). A row missing from any of them
// fails here.
func TestEveryOperationHasACaseAQuotaAndASimulatorHandler(t *testing.T) {
	tested := map[string]bool{}
	for _, tc := range allCases() {
		tested[tc.action] = true
	}
	simulated := map[string]bool{}
	for _, action := range iotsim.Actions() {
		simulated[action] = true
	}
	var missing []string
	for action := range operations {
		if !tested[action] {
			missing = append(missing, action+" (no test case)")
		}
		if _, ok := aliyun.QuotaFor(action, 0); !ok {
			missing = append(missing, action+" (no quota row)")
		}
		if !simulated[action] {
			missing = append(missing, action+" (no simulator handler in internal/iotsim/operations.go)")
		}
	}
	for action := range simulated {
		if _, ok := operations[action]; !ok {
			missing = append(missing, action+" (simulated, but not in the client's operations table)")
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("uncovered:\n%s", strings.Join(missing, "\n"))
	}
	if len(operations) != 52 {
		t.Errorf("%d operations, want the 52 the issue lists", len(operations))
	}
}

func TestUnknownActionIsAProgrammingError(t *testing.T) {
	_, c := newPlatform(t)
	err := c.call(context.Background(), "Pub", nil, nil)
	if err == nil || !strings.Contains(err.Error(), "not in the operations table") {
		t.Fatalf("error %v", err)
	}
}
