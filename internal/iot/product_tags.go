package iot

import (
	"context"
	"strconv"
)

// Tag is a product tag (L9381–9399) or a group tag (L19545–19554).
type Tag struct {
	TagKey   string
	TagValue string
}

// maxProductTagsPerCall: "You can create/update/delete a maximum of 10 tags
// in a single call" (L9324, L9486, L9652).
const maxProductTagsPerCall = 10

func (c *checker) productTags(tags []Tag) {
	c.count("ProductTag", len(tags), 1, maxProductTagsPerCall, "004 L9324–9326")
	for _, t := range tags {
		c.text("ProductTag.TagKey", t.TagKey, 1, 30, tagKeyChars, "004 L9381–9389")
		c.text("ProductTag.TagValue", t.TagValue, 1, 128, tagValueChars, "004 L9391–9399")
	}
}

func addProductTags(p params, tags []Tag) params {
	for i, t := range tags {
		n := "ProductTag." + strconv.Itoa(i+1)
		p.set(n+".TagKey", t.TagKey).set(n+".TagValue", t.TagValue)
	}
	return p
}

// CreateProductTags adds up to 10 tags to a product (L9318–9482).
func (c *Client) CreateProductTags(ctx context.Context, productKey string, tags []Tag) error {
	return c.productTagCall(ctx, "CreateProductTags", productKey, tags)
}

// UpdateProductTags changes the values of up to 10 existing tag keys
// (L9483–9648).
func (c *Client) UpdateProductTags(ctx context.Context, productKey string, tags []Tag) error {
	return c.productTagCall(ctx, "UpdateProductTags", productKey, tags)
}

func (c *Client) productTagCall(ctx context.Context, action, productKey string, tags []Tag) error {
	ch := check(action)
	ch.required("ProductKey", productKey)
	ch.productTags(tags)
	if err := ch.err(); err != nil {
		return err
	}
	return c.call(ctx, action, addProductTags(params{}.set("ProductKey", productKey), tags).values(), nil)
}

// DeleteProductTags removes up to 10 tag keys from a product (L9649–9777).
func (c *Client) DeleteProductTags(ctx context.Context, productKey string, tagKeys []string) error {
	ch := check("DeleteProductTags")
	ch.required("ProductKey", productKey)
	ch.count("ProductTagKey", len(tagKeys), 1, maxProductTagsPerCall, "004 L9652")
	for _, k := range tagKeys {
		ch.text("ProductTagKey", k, 1, 30, tagKeyChars, "004 L9381–9389")
	}
	if err := ch.err(); err != nil {
		return err
	}
	p := params{}.set("ProductKey", productKey).list("ProductTagKey", tagKeys)
	return c.call(ctx, "DeleteProductTags", p.values(), nil)
}

// ListProductTags returns every tag of a product (L9778–9966).
func (c *Client) ListProductTags(ctx context.Context, productKey string) ([]Tag, error) {
	if err := checkProductKey("ListProductTags", productKey); err != nil {
		return nil, err
	}
	var out struct {
		Data struct{ ProductTag OneOrMany[Tag] }
	}
	if err := c.call(ctx, "ListProductTags", params{}.set("ProductKey", productKey).values(), &out); err != nil {
		return nil, err
	}
	return out.Data.ProductTag, nil
}

// TaggedProduct is one entry of ListProductByTags (L10055–10101).
type TaggedProduct struct {
	ProductKey  string
	ProductName string
	Description string
	NodeType    FlexInt
	CreateTime  FlexInt // epoch milliseconds
}

// ListProductByTags finds products carrying any of the tags (the tags are
// ORed; a tag without a value matches its key alone, L9974–10034). The
// answer has no total: a page shorter than PageSize is the last.
func (c *Client) ListProductByTags(ctx context.Context, tags []Tag, page Page) ([]TaggedProduct, error) {
	ch := check("ListProductByTags")
	if len(tags) == 0 {
		ch.fail("at least one ProductTag is required (004 L9997–10000)")
	}
	for _, t := range tags {
		ch.text("ProductTag.TagKey", t.TagKey, 1, 30, tagKeyChars, "004 L9381–9389")
		if t.TagValue != "" {
			ch.text("ProductTag.TagValue", t.TagValue, 1, 128, tagValueChars, "004 L9391–9399")
		}
	}
	page.check(ch, 50, "004 L10027–10029")
	if err := ch.err(); err != nil {
		return nil, err
	}
	p := page.addTo(params{})
	for i, t := range tags {
		n := "ProductTag." + strconv.Itoa(i+1)
		p.set(n+".TagKey", t.TagKey).opt(n+".TagValue", t.TagValue)
	}
	var out struct {
		ProductInfos struct{ ProductInfo OneOrMany[TaggedProduct] }
	}
	if err := c.call(ctx, "ListProductByTags", p.values(), &out); err != nil {
		return nil, err
	}
	return out.ProductInfos.ProductInfo, nil
}
