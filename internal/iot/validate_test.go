package iot

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/kiot-dev/kiot/internal/aliyun"
)

func names(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("dev-%05d", i)
	}
	return out
}

// Every documented limit is enforced before sending: the call fails with a
// terminal error that names the rule, and nothing reaches the platform.
func TestInputsAreValidatedBeforeSending(t *testing.T) {
	longDesc := strings.Repeat("d", 101)
	cases := []struct {
		name string
		call func(context.Context, *Client) error
		says string
	}{
		{"ProductName too short", func(ctx context.Context, c *Client) error {
			_, err := c.CreateProduct(ctx, CreateProductInput{ProductName: "abc"})
			return err
		}, `ProductName "abc" must be 4–30 characters`},
		{"ProductName with a space", func(ctx context.Context, c *Client) error {
			_, err := c.CreateProduct(ctx, CreateProductInput{ProductName: "Street light"})
			return err
		}, "letters, digits and _"},
		{"ProductName too long", func(ctx context.Context, c *Client) error {
			_, err := c.CreateProduct(ctx, CreateProductInput{ProductName: strings.Repeat("a", 31)})
			return err
		}, "4–30"},
		{"NodeType unknown", func(ctx context.Context, c *Client) error {
			_, err := c.CreateProduct(ctx, CreateProductInput{ProductName: "good_name", NodeType: 2})
			return err
		}, "NodeType 2"},
		{"senior product without DataFormat", func(ctx context.Context, c *Client) error {
			_, err := c.CreateProduct(ctx, CreateProductInput{ProductName: "good_name", AliyunCommodityCode: CommodityCodeSenior})
			return err
		}, "DataFormat is required"},
		{"product description too long", func(ctx context.Context, c *Client) error {
			return c.UpdateProduct(ctx, UpdateProductInput{ProductKey: "pk", ProductName: "good_name", Description: longDesc})
		}, "longer than 100"},
		{"11 product tags", func(ctx context.Context, c *Client) error {
			tags := make([]Tag, 11)
			for i := range tags {
				tags[i] = Tag{fmt.Sprintf("k%d", i), "v"}
			}
			return c.CreateProductTags(ctx, "pk", tags)
		}, "1–10 items, not 11"},
		{"tag key with _", func(ctx context.Context, c *Client) error {
			return c.CreateProductTags(ctx, "pk", []Tag{{"bad_key", "v"}})
		}, "letters, digits and ."},
		{"DeviceName with a slash", func(ctx context.Context, c *Client) error {
			_, err := c.RegisterDevice(ctx, RegisterDeviceInput{ProductKey: "pk", DeviceName: "a/bcd"})
			return err
		}, `DeviceName "a/bcd" must be 4–32 characters of letters, digits and - _ @ . :`},
		{"DeviceName too long", func(ctx context.Context, c *Client) error {
			_, err := c.RegisterDevice(ctx, RegisterDeviceInput{ProductKey: "pk", DeviceName: strings.Repeat("d", 33)})
			return err
		}, "4–32"},
		{"RegisterDevice nickname of 65", func(ctx context.Context, c *Client) error {
			_, err := c.RegisterDevice(ctx, RegisterDeviceInput{ProductKey: "pk", DeviceName: "light", Nickname: strings.Repeat("n", 65)})
			return err
		}, "4–64"},
		{"BatchUpdateDeviceNickname nickname of 33", func(ctx context.Context, c *Client) error {
			return c.BatchUpdateDeviceNickname(ctx, []NicknameChange{{Device: DeviceRef{IotID: "i"}, Nickname: strings.Repeat("n", 33)}})
		}, "4–32"},
		{"device named by half a pair", func(ctx context.Context, c *Client) error {
			_, err := c.QueryDeviceInfo(ctx, DeviceRef{DeviceName: "light"})
			return err
		}, "by IotId, or by ProductKey and DeviceName together"},
		{"101 devices to BatchQueryDeviceDetail", func(ctx context.Context, c *Client) error {
			_, err := c.BatchQueryDeviceDetail(ctx, "pk", names(101))
			return err
		}, "1–100 items, not 101"},
		{"51 devices to BatchGetDeviceState", func(ctx context.Context, c *Client) error {
			_, err := c.BatchGetDeviceState(ctx, BatchGetDeviceStateInput{ProductKey: "pk", DeviceNames: names(51)})
			return err
		}, "1–50 items, not 51"},
		{"10,001 names to BatchCheckDeviceNames", func(ctx context.Context, c *Client) error {
			devices := make([]NamedDevice, 10001)
			for i, n := range names(10001) {
				devices[i] = NamedDevice{DeviceName: n}
			}
			_, err := c.BatchCheckDeviceNames(ctx, "pk", devices)
			return err
		}, "not 10001"},
		{"10,001 names to CreateDeviceDistributeJob", func(ctx context.Context, c *Client) error {
			_, err := c.CreateDeviceDistributeJob(ctx, CreateDeviceDistributeJobInput{ProductKey: "pk", SourceInstanceID: "s",
				DeviceNames: names(10001), TargetInstanceIDs: []string{"t"}, TargetUID: "u"})
			return err
		}, "not 10001"},
		{"two targets with the region strategy", func(ctx context.Context, c *Client) error {
			_, err := c.CreateDeviceDistributeJob(ctx, CreateDeviceDistributeJobInput{ProductKey: "pk", SourceInstanceID: "s",
				DeviceNames: names(1), TargetInstanceIDs: []string{"t1", "t2"}, TargetUID: "u"})
			return err
		}, "must have 1 items, not 2"},
		{"no target account", func(ctx context.Context, c *Client) error {
			_, err := c.CreateDeviceDistributeJob(ctx, CreateDeviceDistributeJobInput{ProductKey: "pk", SourceInstanceID: "s",
				DeviceNames: names(1), TargetInstanceIDs: []string{"t"}})
			return err
		}, "TargetUid or TargetAliyunId is required"},
		{"201 devices to a group", func(ctx context.Context, c *Client) error {
			devices := make([]GroupDevice, 201)
			for i, n := range names(201) {
				devices[i] = GroupDevice{"pk", n}
			}
			_, err := c.BatchAddDeviceGroupRelations(ctx, "g", devices)
			return err
		}, "1–200 items, not 201"},
		{"GroupName too short", func(ctx context.Context, c *Client) error {
			_, err := c.CreateDeviceGroup(ctx, CreateDeviceGroupInput{GroupName: "g1"})
			return err
		}, "GroupName"},
		{"group tag key of one character", func(ctx context.Context, c *Client) error {
			return c.SetDeviceGroupTags(ctx, "g", "", []Tag{{"k", "v"}})
		}, "2–30"},
		{"QueryProductList page of 201", func(ctx context.Context, c *Client) error {
			_, err := c.QueryProductList(ctx, ProductListInput{Page: Page{PageSize: 201}})
			return err
		}, "PageSize 201 must be between 1 and 200"},
		{"QueryDevice page of 51", func(ctx context.Context, c *Client) error {
			_, err := c.QueryDevice(ctx, DeviceListInput{ProductKey: "pk", Page: Page{PageSize: 51}})
			return err
		}, "between 1 and 50"},
		{"QueryDevice past 10,000 without a token", func(ctx context.Context, c *Client) error {
			_, err := c.QueryDevice(ctx, DeviceListInput{ProductKey: "pk", Page: Page{CurrentPage: 201, PageSize: 50}})
			return err
		}, "NextToken is required"},
		{"ListDeviceDistributeJob past 10,000 without a token", func(ctx context.Context, c *Client) error {
			_, err := c.ListDeviceDistributeJob(ctx, DistributeJobListInput{Page: Page{CurrentPage: 52, PageSize: 200}})
			return err
		}, "NextToken is required"},
		{"Props over 5 KB", func(ctx context.Context, c *Client) error {
			return c.SaveDeviceProp(ctx, DeviceRef{IotID: "i"}, map[string]string{"k": strings.Repeat("v", 5200)})
		}, "more than 5 KB"},
		{"BatchRegisterDevice of 0", func(ctx context.Context, c *Client) error {
			_, err := c.BatchRegisterDevice(ctx, "pk", 0)
			return err
		}, "Count 0"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			platform, c := newPlatform(t)
			err := tc.call(context.Background(), c)
			if !aliyun.IsTerminal(err) {
				t.Fatalf("error %v is not terminal", err)
			}
			if !strings.Contains(err.Error(), tc.says) || !strings.Contains(err.Error(), "invalid input") {
				t.Errorf("error %q does not say %q", err, tc.says)
			}
			if platform.count() != 0 {
				t.Errorf("%d requests sent for an invalid input", platform.count())
			}
		})
	}
}

func TestLimitsAreInclusive(t *testing.T) {
	platform, c := newPlatform(t)
	ctx := context.Background()
	if _, err := c.BatchQueryDeviceDetail(ctx, "pk", names(100)); err != nil {
		t.Errorf("100 devices: %v", err)
	}
	if _, err := c.BatchGetDeviceState(ctx, BatchGetDeviceStateInput{ProductKey: "pk", DeviceNames: names(50)}); err != nil {
		t.Errorf("50 devices: %v", err)
	}
	if _, err := c.CreateProduct(ctx, CreateProductInput{ProductName: strings.Repeat("a", 30)}); err != nil {
		t.Errorf("30-character name: %v", err)
	}
	if _, err := c.RegisterDevice(ctx, RegisterDeviceInput{ProductKey: "pk", DeviceName: "a@b.c:d-e_f"}); err != nil {
		t.Errorf("every allowed DeviceName character: %v", err)
	}
	if platform.count() != 4 {
		t.Errorf("%d calls sent, want 4", platform.count())
	}
}

func TestPlatformErrorsKeepTheirClass(t *testing.T) {
	platform, c := newPlatform(t)
	platform.answer("DeleteDevice", `{"Success":false,"Code":"iot.device.NotExistedDevice","ErrorMessage":"The device does not exist."}`)
	platform.answer("RegisterDevice", `{"Success":false,"Code":"iot.device.AlreadyExistedDeviceName","ErrorMessage":"taken"}`)
	platform.answer("DeleteDeviceGroup", `{"Success":false,"Code":"iot.group.SubGroupNotNull","ErrorMessage":"children"}`)
	ctx := context.Background()
	if err := c.DeleteDevice(ctx, DeviceRef{IotID: "gone"}); !aliyun.IsNotFound(err) {
		t.Errorf("DeleteDevice: %v", err)
	}
	if _, err := c.RegisterDevice(ctx, RegisterDeviceInput{ProductKey: "pk", DeviceName: "light"}); !aliyun.IsAlreadyExists(err) {
		t.Errorf("RegisterDevice: %v", err)
	}
	if err := c.DeleteDeviceGroup(ctx, "g"); !aliyun.IsConflict(err) {
		t.Errorf("DeleteDeviceGroup: %v", err)
	}
}
