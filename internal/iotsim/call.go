package iotsim

import (
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// call is one authenticated API call as an operation sees it.
type call struct {
	s      *Simulator
	w      *world
	p      url.Values
	action string
	key    AccessKey // the caller; key.UID is the account
	inst   Instance  // the instance the call addresses
	now    time.Time
	host   string // the request's Host, for URLs the simulator serves
	tls    bool
}

// operation is the handler of one action. anyRegion operations are
// account-wide (distribution): they do not address an instance through
// RegionId and IotInstanceId, so any endpoint region is accepted for them.
type operation struct {
	handle    func(*call) (M, *apiError)
	anyRegion bool
}

func (c *call) str(name string) string { return c.p.Get(name) }

func (c *call) nowMs() int64 { return c.now.UnixMilli() }

// intParam parses an optional integer; ok is false when present but not an
// integer.
func (c *call) intParam(name string, def int) (v int, ok bool) {
	s := c.p.Get(name)
	if s == "" {
		return def, true
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return 0, false
	}
	return n, true
}

// boolParam parses an optional boolean ("true"/"false").
func (c *call) boolParam(name string, def bool) (v bool, ok bool) {
	s := c.p.Get(name)
	if s == "" {
		return def, true
	}
	b, err := strconv.ParseBool(s)
	return b, err == nil
}

// list returns a RepeatList parameter (Name.1, Name.2, ...) in index order.
func (c *call) list(name string) []string {
	items := c.indexed(name, "")
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it[""]
	}
	return out
}

// structs returns a list of objects (Name.N.Field) in index order, each as
// a map of its fields.
func (c *call) structs(name string) []map[string]string {
	return c.indexed(name, ".")
}

// indexed collects Name.N (sep "") or Name.N.Field (sep ".") parameters.
func (c *call) indexed(name, sep string) []map[string]string {
	prefix := name + "."
	byIndex := map[int]map[string]string{}
	for k, vs := range c.p {
		if !strings.HasPrefix(k, prefix) || len(vs) == 0 {
			continue
		}
		rest := k[len(prefix):]
		idx, field := rest, ""
		if sep != "" {
			i := strings.Index(rest, sep)
			if i < 0 {
				continue
			}
			idx, field = rest[:i], rest[i+1:]
		} else if strings.Contains(rest, ".") {
			continue
		}
		n, err := strconv.Atoi(idx)
		if err != nil || n < 1 {
			continue
		}
		m := byIndex[n]
		if m == nil {
			m = map[string]string{}
			byIndex[n] = m
		}
		m[field] = vs[0]
	}
	idxs := make([]int, 0, len(byIndex))
	for n := range byIndex {
		idxs = append(idxs, n)
	}
	sort.Ints(idxs)
	out := make([]map[string]string, len(idxs))
	for i, n := range idxs {
		out[i] = byIndex[n]
	}
	return out
}

// pageOffset is CurrentPage × PageSize of a paging call, the figure the
// deep-page quotas depend on (0 when the call does not page).
func pageOffset(p url.Values) int {
	page, err1 := strconv.Atoi(p.Get("CurrentPage"))
	size, err2 := strconv.Atoi(p.Get("PageSize"))
	if err1 != nil || err2 != nil || page < 1 || size < 1 {
		return 0
	}
	return page * size
}

// paging reads CurrentPage and PageSize with their documented default and
// maximum; bad values answer iot.common.InvalidPageParams (L3888–3896).
func (c *call) paging(defSize, maxSize int, pageRequired bool) (page, size int, e *apiError) {
	if pageRequired && c.str("CurrentPage") == "" {
		return 0, 0, iotErrorf("iot.common.InvalidPageParams", "CurrentPage must be specified.")
	}
	page, ok1 := c.intParam("CurrentPage", 1)
	size, ok2 := c.intParam("PageSize", defSize)
	if !ok1 || !ok2 || page < 1 || size < 1 || size > maxSize {
		return 0, 0, iotErrorf("iot.common.InvalidPageParams",
			"The specified page size or page number is invalid: PageSize must be 1 to %d and CurrentPage at least 1.", maxSize)
	}
	return page, size, nil
}

// pageOf returns the bounds of page (1-based) of n items.
func pageOf(n, page, size int) (from, to int) {
	from = (page - 1) * size
	if from > n {
		from = n
	}
	to = min(from+size, n)
	return from, to
}

func pageCount(total, size int) int {
	if size <= 0 {
		return 0
	}
	return (total + size - 1) / size
}
