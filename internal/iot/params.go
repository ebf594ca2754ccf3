package iot

import (
	"net/url"
	"strconv"
)

// params builds an operation's parameters, skipping unset optional ones so
// the platform applies its documented defaults.
type params url.Values

func (p params) set(name, value string) params {
	p[name] = []string{value}
	return p
}

func (p params) opt(name, value string) params {
	if value != "" {
		p[name] = []string{value}
	}
	return p
}

func (p params) optInt(name string, value int) params {
	if value != 0 {
		p[name] = []string{strconv.Itoa(value)}
	}
	return p
}

func (p params) optBool(name string, value *bool) params {
	if value != nil {
		p[name] = []string{strconv.FormatBool(*value)}
	}
	return p
}

// list flattens a RepeatList: Name.1, Name.2, ... (1-based, as documented).
func (p params) list(name string, values []string) params {
	for i, v := range values {
		p[name+"."+strconv.Itoa(i+1)] = []string{v}
	}
	return p
}

func (p params) values() url.Values { return url.Values(p) }

// DeviceRef names one device: by IotId, or by ProductKey and DeviceName
// together (API-DIGEST §4). When IotID is set it wins, as on the platform.
type DeviceRef struct {
	IotID      string
	ProductKey string
	DeviceName string
}

func (r DeviceRef) check(c *checker) {
	if r.IotID != "" {
		return
	}
	if r.ProductKey == "" || r.DeviceName == "" {
		c.fail("a device is named by IotId, or by ProductKey and DeviceName together")
	}
}

func (r DeviceRef) addTo(p params) params {
	if r.IotID != "" {
		return p.set("IotId", r.IotID)
	}
	return p.set("ProductKey", r.ProductKey).set("DeviceName", r.DeviceName)
}

// Page asks for one page of a paged list. Zero values take the platform's
// defaults where it has them (CurrentPage 1, PageSize 10).
type Page struct {
	CurrentPage int
	PageSize    int
}

func (pg Page) check(c *checker, maxSize int, cite string) {
	if pg.CurrentPage < 0 {
		c.fail("CurrentPage %d must be 1 or more", pg.CurrentPage)
	}
	if pg.PageSize != 0 {
		c.between("PageSize", pg.PageSize, 1, maxSize, cite)
	}
}

func (pg Page) addTo(p params) params {
	return p.optInt("CurrentPage", pg.CurrentPage).optInt("PageSize", pg.PageSize)
}

// PageInfo is where a list is in its pages.
type PageInfo struct {
	Page      FlexInt // CurrentPage in some answers, Page in others
	PageSize  FlexInt
	PageCount FlexInt
	Total     FlexInt
}

// HasNext reports whether pages remain after this one.
func (p PageInfo) HasNext() bool {
	if p.PageCount > 0 {
		return p.Page < p.PageCount
	}
	return p.PageSize > 0 && int64(p.Page)*int64(p.PageSize) < int64(p.Total)
}

func itoa(n int) string { return strconv.Itoa(n) }
