package iot

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// The fake pages through 10,150 devices 50 at a time and, like the
// platform, refuses a page past 10,000 that comes without the previous
// answer's NextToken (L12127–12154).
func TestAllDevicesFollowsNextTokenPastTenThousand(t *testing.T) {
	const total, size = 10150, 50
	platform, c := newPlatform(t)
	platform.answerWith("QueryDevice", func(p url.Values) string {
		page, _ := strconv.Atoi(p.Get("CurrentPage"))
		if page*size > 10000 && p.Get("NextToken") != fmt.Sprintf("token-%d", page-1) {
			return `{"Success":false,"Code":"iot.device.PageTokenIsIllegal","ErrorMessage":"token"}`
		}
		var items []string
		for i := (page - 1) * size; i < min(page*size, total); i++ {
			items = append(items, fmt.Sprintf(`{"DeviceName":"dev-%05d"}`, i))
		}
		return fmt.Sprintf(`{"Success":true,"Page":%d,"PageSize":%d,"PageCount":%d,"Total":%d,"NextToken":"token-%d","Data":{"DeviceInfo":[%s]}}`,
			page, size, (total+size-1)/size, total, page, strings.Join(items, ","))
	})
	n := 0
	for d, err := range c.AllDevices(context.Background(), "pk", size) {
		if err != nil {
			t.Fatalf("after %d devices: %v", n, err)
		}
		if want := fmt.Sprintf("dev-%05d", n); d.DeviceName != want {
			t.Fatalf("device %d is %s, want %s", n, d.DeviceName, want)
		}
		n++
	}
	if n != total {
		t.Errorf("%d devices, want %d", n, total)
	}
	if platform.count() != 203 {
		t.Errorf("%d pages fetched, want 203", platform.count())
	}
}

func TestAllProductsStopsAtTheLastPage(t *testing.T) {
	platform, c := newPlatform(t)
	platform.answerWith("QueryProductList", func(p url.Values) string {
		page, _ := strconv.Atoi(p.Get("CurrentPage"))
		item := fmt.Sprintf(`{"ProductKey":"pk%d"}`, page)
		return fmt.Sprintf(`{"Success":true,"Data":{"CurrentPage":%d,"PageSize":1,"PageCount":3,"Total":3,"List":{"ProductInfo":[%s]}}}`, page, item)
	})
	var keys []string
	for p, err := range c.AllProducts(context.Background(), 1) {
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, p.ProductKey)
	}
	equal(t, "keys", keys, []string{"pk1", "pk2", "pk3"})
}

func TestAllDistributeJobsEndsOnAnEmptyToken(t *testing.T) {
	platform, c := newPlatform(t)
	platform.answerWith("ListDeviceDistributeJob", func(p url.Values) string {
		if p.Get("NextToken") == "" {
			return `{"Success":true,"Data":{"Total":2,"NextToken":"t1","JobInfo":{"items":[{"JobId":"j1"}]}}}`
		}
		return `{"Success":true,"Data":{"Total":2,"NextToken":"","JobInfo":{"items":{"JobId":"j2"}}}}`
	})
	var ids []string
	for j, err := range c.AllDistributeJobs(context.Background(), DistributeJobListInput{Page: Page{PageSize: 1}}) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, j.JobID)
	}
	equal(t, "jobs", ids, []string{"j1", "j2"})
}

func TestAllGroupsYieldsTheErrorAndStops(t *testing.T) {
	platform, c := newPlatform(t)
	platform.answer("QueryDeviceGroupList", `{"Success":false,"Code":"iot.system.SystemException","ErrorMessage":"boom"}`)
	var errs int
	for _, err := range c.AllGroups(context.Background(), GroupListInput{}) {
		if err == nil {
			t.Fatal("a group from a failed page")
		}
		errs++
	}
	equal(t, "errors", errs, 1)
}
