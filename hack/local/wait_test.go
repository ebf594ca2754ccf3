package main

import "testing"

func TestSummaryCountsByKindAndReasonAndNamesAFew(t *testing.T) {
	waiting := []pending{
		{kind: "device", name: "light-0001", reason: "ProductNotReady"},
		{kind: "device", name: "light-0002", reason: "ProductNotReady"},
		{kind: "product", name: "street-light", reason: "Creating"},
		{kind: "distributejob", name: "to-singapore", reason: "NoStatusYet"},
	}
	got := summarize(waiting, 8)
	want := "4 of 8 Ready; waiting: device ×2 (ProductNotReady), distributejob ×1 (NoStatusYet), product ×1 (Creating); " +
		"e.g. device/light-0001, device/light-0002, product/street-light, …"
	if got != want {
		t.Errorf("summary\n got %q\nwant %q", got, want)
	}
	if got := summarize(waiting[:1], 1); got != "0 of 1 Ready; waiting: device ×1 (ProductNotReady); e.g. device/light-0001" {
		t.Errorf("one waiting: %q", got)
	}
}
