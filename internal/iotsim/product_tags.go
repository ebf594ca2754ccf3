package iotsim

import "slices"

// Product tags (L9318–10175; API-DIGEST §6.6–6.10).

const (
	maxProductTagsPerCall = 10  // L9324, L9486, L9652
	maxProductTags        = 100 // L9324–9326
)

// tagParams reads ProductTag.N.TagKey / TagValue (1–10 of them).
func (c *call) tagParams() ([]Tag, *apiError) {
	var tags []Tag
	for _, t := range c.structs("ProductTag") {
		tags = append(tags, Tag{Key: t["TagKey"], Value: t["TagValue"]})
	}
	if len(tags) == 0 {
		return nil, iotErrorf("iot.common.InvalidFormattedParameter", "Specify at least one ProductTag.N.TagKey.")
	}
	if len(tags) > maxProductTagsPerCall {
		return nil, iotErrorf("iot.common.InvalidFormattedParameter", "Specify at most %d tags in a call.", maxProductTagsPerCall)
	}
	return tags, nil
}

// invalidTags is the failure of CreateProductTags and UpdateProductTags: the
// offending tags in InvalidProductTags (L9423–9436; the JSON wrapper is
// inferred from the platform's convention, API-DIGEST §6.6).
func invalidTags(msg string, bad []Tag) *apiError {
	e := iotErrorf("iot.common.InvalidFormattedParameter", "%s", msg)
	items := make([]M, len(bad))
	for i, t := range bad {
		items[i] = M{"TagKey": t.Key, "TagValue": t.Value}
	}
	e.extra = M{"InvalidProductTags": M{"ProductTag": items}}
	return e
}

func tagIndex(tags []Tag, key string) int {
	return slices.IndexFunc(tags, func(t Tag) bool { return t.Key == key })
}

// createProductTags adds new keys; an existing key is invalid here (change
// it with UpdateProductTags). All or nothing.
func createProductTags(c *call) (M, *apiError) {
	p, e := c.product()
	if e != nil {
		return nil, e
	}
	tags, e := c.tagParams()
	if e != nil {
		return nil, e
	}
	var bad []Tag
	seen := map[string]bool{}
	for _, t := range tags {
		if !validProductTagKey(t.Key) || !validTagValue(t.Value) || tagIndex(p.Tags, t.Key) >= 0 || seen[t.Key] {
			bad = append(bad, t)
		}
		seen[t.Key] = true
	}
	if len(bad) > 0 {
		return nil, invalidTags("Tag keys must be new, 1 to 30 letters, digits and periods; values 1 to 128 letters, digits, _ and -.", bad)
	}
	if len(p.Tags)+len(tags) > maxProductTags {
		return nil, iotErrorf("iot.common.InvalidFormattedParameter", "A product can have at most %d tags.", maxProductTags)
	}
	p.Tags = append(p.Tags, tags...)
	return nil, nil
}

// updateProductTags changes the values of existing keys (L9565–9568).
func updateProductTags(c *call) (M, *apiError) {
	p, e := c.product()
	if e != nil {
		return nil, e
	}
	tags, e := c.tagParams()
	if e != nil {
		return nil, e
	}
	var bad []Tag
	for _, t := range tags {
		if !validProductTagKey(t.Key) || !validTagValue(t.Value) || tagIndex(p.Tags, t.Key) < 0 {
			bad = append(bad, t)
		}
	}
	if len(bad) > 0 {
		return nil, invalidTags("Each tag key must already exist; values are 1 to 128 letters, digits, _ and -.", bad)
	}
	for _, t := range tags {
		p.Tags[tagIndex(p.Tags, t.Key)].Value = t.Value
	}
	return nil, nil
}

// deleteProductTags removes keys; a key that does not exist is ignored.
func deleteProductTags(c *call) (M, *apiError) {
	p, e := c.product()
	if e != nil {
		return nil, e
	}
	keys := c.list("ProductTagKey")
	if len(keys) == 0 || len(keys) > maxProductTagsPerCall {
		return nil, iotErrorf("iot.common.InvalidFormattedParameter", "Specify 1 to %d ProductTagKey.N.", maxProductTagsPerCall)
	}
	p.Tags = slices.DeleteFunc(p.Tags, func(t Tag) bool { return slices.Contains(keys, t.Key) })
	return nil, nil
}

// listProductTags: Data.ProductTag[] (L9847–9859), no paging.
func listProductTags(c *call) (M, *apiError) {
	p, e := c.product()
	if e != nil {
		return nil, e
	}
	items := make([]M, len(p.Tags))
	for i, t := range p.Tags {
		items[i] = M{"TagKey": t.Key, "TagValue": t.Value}
	}
	return M{"Data": M{"ProductTag": items}}, nil
}

// listProductByTags: tags are ORed; a tag without a value matches the key
// (L9974–9976). No Total or PageCount in the answer (L10055–10101).
func listProductByTags(c *call) (M, *apiError) {
	var want []Tag
	for _, t := range c.structs("ProductTag") {
		if t["TagKey"] == "" {
			return nil, iotErrorf("iot.common.InvalidFormattedParameter", "ProductTag.N.TagKey is required.")
		}
		want = append(want, Tag{Key: t["TagKey"], Value: t["TagValue"]})
	}
	if len(want) == 0 {
		return nil, iotErrorf("iot.common.InvalidFormattedParameter", "Specify at least one ProductTag.N.TagKey.")
	}
	page, size, e := c.paging(10, 50, false)
	if e != nil {
		return nil, e
	}
	var hits []*product
	for _, p := range c.ownProducts() {
		if slices.ContainsFunc(want, func(w Tag) bool {
			i := tagIndex(p.Tags, w.Key)
			return i >= 0 && (w.Value == "" || p.Tags[i].Value == w.Value)
		}) {
			hits = append(hits, p)
		}
	}
	from, to := pageOf(len(hits), page, size)
	items := make([]M, 0, to-from)
	for _, p := range hits[from:to] {
		items = append(items, M{"CreateTime": p.CreatedMs, "Description": p.Description, "NodeType": p.NodeType,
			"ProductKey": p.ProductKey, "ProductName": p.ProductName})
	}
	return M{"ProductInfos": M{"ProductInfo": items}}, nil
}
