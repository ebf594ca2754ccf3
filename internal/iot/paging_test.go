package iot

import (
	"context"
	"errors"
	"fmt"
	"iter"
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

// book is a scripted paged list for the pager: its pages in order, and the
// cursors it was asked for.
type book struct {
	pages []pageOf[string]
	errAt int // 1-based page that fails; 0 never
	asked []cursor
}

func (b *book) fetch(_ context.Context, at cursor) (pageOf[string], error) {
	b.asked = append(b.asked, at)
	if at.page == b.errAt {
		return pageOf[string]{}, errors.New("page failed")
	}
	return b.pages[at.page-1], nil
}

// read drains the pager until it ends, an error, or stopAfter items.
func read(seq iter.Seq2[string, error], stopAfter int) (items []string, errs []error) {
	for it, err := range seq {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		items = append(items, it)
		if len(items) == stopAfter {
			break
		}
	}
	return items, errs
}

func threePages() []pageOf[string] {
	return []pageOf[string]{
		{items: []string{"a", "b"}, more: true, token: "t1"},
		{items: []string{"c", "d"}, more: true, token: "t2"},
		{items: []string{"e"}, more: false},
	}
}

func TestPagesReadsEveryPageAndPassesEachTokenOn(t *testing.T) {
	b := &book{pages: threePages()}
	items, errs := read(pages(context.Background(), cursor{}, b.fetch), 0)
	equal(t, "items", items, []string{"a", "b", "c", "d", "e"})
	equal(t, "errors", len(errs), 0)
	equal(t, "cursors", b.asked, []cursor{{page: 1}, {page: 2, token: "t1"}, {page: 3, token: "t2"}})
}

func TestPagesStartsWhereItIsTold(t *testing.T) {
	b := &book{pages: threePages()}
	items, _ := read(pages(context.Background(), cursor{page: 2, token: "t1"}, b.fetch), 0)
	equal(t, "items", items, []string{"c", "d", "e"})
	equal(t, "cursors", b.asked, []cursor{{page: 2, token: "t1"}, {page: 3, token: "t2"}})
}

func TestPagesFetchesNothingMoreOnceTheConsumerBreaks(t *testing.T) {
	for stopAfter, wantFetches := range map[int]int{1: 1, 2: 1, 3: 2} {
		b := &book{pages: threePages()}
		items, _ := read(pages(context.Background(), cursor{}, b.fetch), stopAfter)
		equal(t, "items", len(items), stopAfter)
		equal(t, fmt.Sprintf("pages fetched for %d items", stopAfter), len(b.asked), wantFetches)
	}
}

func TestPagesYieldsAnErrorMidwayAndStops(t *testing.T) {
	b := &book{pages: threePages(), errAt: 2}
	items, errs := read(pages(context.Background(), cursor{}, b.fetch), 0)
	equal(t, "items", items, []string{"a", "b"})
	equal(t, "errors", len(errs), 1)
	equal(t, "pages fetched", len(b.asked), 2)
}

func TestPagesEndsOnAnEmptyPageThatClaimsMore(t *testing.T) {
	b := &book{pages: []pageOf[string]{{items: []string{"a"}, more: true, token: "t1"}, {more: true, token: "t2"}, {items: []string{"never"}}}}
	items, errs := read(pages(context.Background(), cursor{}, b.fetch), 0)
	equal(t, "items", items, []string{"a"})
	equal(t, "errors", len(errs), 0)
	equal(t, "pages fetched", len(b.asked), 2)
}

func TestPagesStopsWithTheContextsErrorOnceItIsDone(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b := &book{pages: threePages()}
	var items []string
	var got error
	for it, err := range pages(ctx, cursor{}, b.fetch) {
		if err != nil {
			got = err
			continue
		}
		items = append(items, it)
		cancel() // the caller gives up while reading the first page
	}
	equal(t, "items", items, []string{"a", "b"})
	if !errors.Is(got, context.Canceled) {
		t.Errorf("error %v, want context.Canceled", got)
	}
	equal(t, "pages fetched", len(b.asked), 1)
}

// A consumer that finds its device on the first page costs one request of
// a product with thousands.
func TestAllDevicesSendsNoRequestAfterTheConsumerBreaks(t *testing.T) {
	platform, c := newPlatform(t)
	platform.answerWith("QueryDevice", func(p url.Values) string {
		return fmt.Sprintf(`{"Success":true,"Page":%s,"PageSize":50,"PageCount":100,"Total":5000,"NextToken":"tok","Data":{"DeviceInfo":[{"DeviceName":"d1"},{"DeviceName":"d2"}]}}`, p.Get("CurrentPage"))
	})
	for d, err := range c.AllDevices(context.Background(), "pk", 50) {
		if err != nil {
			t.Fatal(err)
		}
		if d.DeviceName == "d2" {
			break
		}
	}
	equal(t, "requests", platform.count(), 1)
}

func TestAllDistributeJobsStartsFromTheCallersToken(t *testing.T) {
	platform, c := newPlatform(t)
	platform.answer("ListDeviceDistributeJob", `{"Success":true,"Data":{"Total":1,"NextToken":"","JobInfo":{"items":[{"JobId":"j9"}]}}}`)
	for _, err := range c.AllDistributeJobs(context.Background(), DistributeJobListInput{Page: Page{CurrentPage: 4, PageSize: 10}, NextToken: "from-before"}) {
		if err != nil {
			t.Fatal(err)
		}
	}
	equal(t, "NextToken sent", platform.last().Get("NextToken"), "from-before")
	equal(t, "CurrentPage sent", platform.last().Get("CurrentPage"), "4")
}
