package iot

import (
	"cmp"
	"context"
	"iter"
)

// Node types of a product (L7875–7893).
const (
	NodeTypeDevice  = 0
	NodeTypeGateway = 1
)

// Data formats of a product (L7930–7942).
const (
	DataFormatCustom    = 0
	DataFormatAlinkJSON = 1
)

// CommodityCodeSenior makes a product with a TSL model (L7950–7968).
const CommodityCodeSenior = "iothub_senior"

// CreateProductInput is CreateProduct's request (004 L7854–8351).
type CreateProductInput struct {
	ProductName string // required; 4–30 letters, digits, _
	NodeType    int    // NodeTypeDevice or NodeTypeGateway
	DataFormat  *int   // required with CommodityCodeSenior
	Description string
	// AliyunCommodityCode: "" (basic edition), "iothub" or "iothub_senior".
	AliyunCommodityCode string
	Id2                 *bool
	ProtocolType        string // modbus, opc-ua, customize, ble, zigbee
	NetType             string // WIFI, CELLULAR, ETHERNET, LORA, OTHER
	JoinPermissionID    string // required with NetType LORA
	ResourceGroupID     string
	AuthType            string // secret, id2, x509
	CategoryKey         string
	PublishAuto         *bool
	ValidateType        *int // 1 weak, 2 none
}

func (in CreateProductInput) validate() error {
	c := check("CreateProduct")
	c.productName(in.ProductName)
	c.oneOfInt("NodeType", in.NodeType, "004 L7875–7893", NodeTypeDevice, NodeTypeGateway)
	if in.DataFormat != nil {
		c.oneOfInt("DataFormat", *in.DataFormat, "004 L7930–7942", DataFormatCustom, DataFormatAlinkJSON)
	} else if in.AliyunCommodityCode == CommodityCodeSenior {
		c.fail("DataFormat is required when AliyunCommodityCode is iothub_senior (004 L7930–7942)")
	}
	c.maxRunes("Description", in.Description, maxDescriptionLength, "004 L7944–7947")
	c.oneOf("AliyunCommodityCode", in.AliyunCommodityCode, "004 L7950–7968", "iothub", CommodityCodeSenior)
	c.oneOf("ProtocolType", in.ProtocolType, "004 L7992–8014", "modbus", "opc-ua", "customize", "ble", "zigbee")
	c.oneOf("NetType", in.NetType, "004 L8017–8039", "WIFI", "CELLULAR", "ETHERNET", "LORA", "OTHER")
	if in.NetType == "LORA" {
		c.required("JoinPermissionId (with NetType LORA, L8041–8046)", in.JoinPermissionID)
	}
	c.oneOf("AuthType", in.AuthType, "004 L8062–8095", "secret", "id2", "x509")
	if in.ValidateType != nil {
		c.oneOfInt("ValidateType", *in.ValidateType, "004 L8124–8154", 1, 2)
	}
	return c.err()
}

// ProductCreated is what CreateProduct returns (L8161–8291).
type ProductCreated struct {
	ProductKey          string
	ProductName         string
	ProductSecret       Secret
	NodeType            FlexInt
	DataFormat          FlexInt
	AuthType            string
	Description         string
	AliyunCommodityCode string
	ProtocolType        string
	Id2                 FlexBool
	ResourceGroupID     string `json:"ResourceGroupId"`
}

// CreateProduct creates a product. The name is unique in the account: an
// existing one answers aliyun.IsAlreadyExists, and the product is then found
// by listing (there is no lookup by name).
func (c *Client) CreateProduct(ctx context.Context, in CreateProductInput) (*ProductCreated, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	p := params{}.set("ProductName", in.ProductName).set("NodeType", itoa(in.NodeType)).
		opt("Description", in.Description).opt("AliyunCommodityCode", in.AliyunCommodityCode).
		optBool("Id2", in.Id2).opt("ProtocolType", in.ProtocolType).opt("NetType", in.NetType).
		opt("JoinPermissionId", in.JoinPermissionID).opt("ResourceGroupId", in.ResourceGroupID).
		opt("AuthType", in.AuthType).opt("CategoryKey", in.CategoryKey).optBool("PublishAuto", in.PublishAuto)
	if in.DataFormat != nil {
		p.set("DataFormat", itoa(*in.DataFormat))
	}
	if in.ValidateType != nil {
		p.set("ValidateType", itoa(*in.ValidateType))
	}
	var out struct {
		ProductKey string // also at the top level (L8161–8291)
		Data       ProductCreated
	}
	if err := c.call(ctx, "CreateProduct", p.values(), &out); err != nil {
		return nil, err
	}
	out.Data.ProductKey = cmp.Or(out.Data.ProductKey, out.ProductKey)
	return &out.Data, nil
}

// Product statuses (L8589–8599).
const (
	ProductStatusDevelopment = "DEVELOPMENT_STATUS"
	ProductStatusRelease     = "RELEASE_STATUS"
)

// Product is QueryProduct's Data (L8424–8662).
type Product struct {
	ProductKey          string
	ProductName         string
	ProductSecret       Secret
	ProductStatus       string
	Description         string
	NodeType            FlexInt
	DataFormat          FlexInt
	AuthType            string
	NetType             FlexInt // 3 WIFI, 6 CELLULAR, 7 ETHERNET, 8 OTHER
	ProtocolType        string
	AliyunCommodityCode string
	CategoryKey         string
	CategoryName        string
	DeviceCount         FlexInt
	GmtCreate           FlexInt // epoch milliseconds
	Id2                 FlexBool
	Owner               FlexBool
	ValidateType        FlexInt
}

// QueryProduct reads one product.
func (c *Client) QueryProduct(ctx context.Context, productKey string) (*Product, error) {
	if err := checkProductKey("QueryProduct", productKey); err != nil {
		return nil, err
	}
	var out struct{ Data Product }
	if err := c.call(ctx, "QueryProduct", params{}.set("ProductKey", productKey).values(), &out); err != nil {
		return nil, err
	}
	return &out.Data, nil
}

// ProductListInput is QueryProductList's request (L8782–8843). CurrentPage
// is required by the platform; 0 here means page 1.
type ProductListInput struct {
	Page
	ResourceGroupID     string
	AliyunCommodityCode string
}

// ProductSummary is one entry of QueryProductList (Data.List.ProductInfo).
type ProductSummary struct {
	ProductKey  string
	ProductName string
	Description string
	NodeType    FlexInt
	DataFormat  FlexInt
	AuthType    string
	DeviceCount FlexInt
	GmtCreate   FlexInt
}

// ProductList is one page of products, newest first (L8874–8877).
type ProductList struct {
	PageInfo
	Products []ProductSummary
}

// QueryProductList reads one page of the account's products. Past
// CurrentPage × PageSize of 100,000 the quota drops to 2 QPS (L8762–8765);
// the client paces itself accordingly.
func (c *Client) QueryProductList(ctx context.Context, in ProductListInput) (*ProductList, error) {
	ch := check("QueryProductList")
	in.Page.check(ch, 200, "004 L8784–8786")
	ch.oneOf("AliyunCommodityCode", in.AliyunCommodityCode, "004 L8827–8843", "iothub", CommodityCodeSenior)
	if err := ch.err(); err != nil {
		return nil, err
	}
	in.CurrentPage = cmp.Or(in.CurrentPage, 1)
	p := in.Page.addTo(params{}).opt("ResourceGroupId", in.ResourceGroupID).opt("AliyunCommodityCode", in.AliyunCommodityCode)
	var out struct {
		Data struct {
			CurrentPage, PageCount, PageSize, Total FlexInt
			List                                    struct{ ProductInfo OneOrMany[ProductSummary] }
		}
	}
	if err := c.call(ctx, "QueryProductList", p.values(), &out); err != nil {
		return nil, err
	}
	d := out.Data
	return &ProductList{
		PageInfo: PageInfo{Page: d.CurrentPage, PageSize: d.PageSize, PageCount: d.PageCount, Total: d.Total},
		Products: d.List.ProductInfo,
	}, nil
}

// AllProducts pages through every product of the account with pages of
// pageSize (1–200). It stops at the first error, which it yields.
func (c *Client) AllProducts(ctx context.Context, pageSize int) iter.Seq2[ProductSummary, error] {
	return pages(ctx, cursor{}, func(ctx context.Context, at cursor) (pageOf[ProductSummary], error) {
		list, err := c.QueryProductList(ctx, ProductListInput{Page: Page{CurrentPage: at.page, PageSize: pageSize}})
		if err != nil {
			return pageOf[ProductSummary]{}, err
		}
		return pageOf[ProductSummary]{items: list.Products, more: list.HasNext()}, nil
	})
}

// UpdateProductInput is UpdateProduct's request (L9066–9201): only the name
// and description change, and the name must be sent every time.
type UpdateProductInput struct {
	ProductKey  string
	ProductName string
	Description string
}

// UpdateProduct renames a product or changes its description.
func (c *Client) UpdateProduct(ctx context.Context, in UpdateProductInput) error {
	ch := check("UpdateProduct")
	ch.required("ProductKey", in.ProductKey)
	ch.productName(in.ProductName)
	ch.maxRunes("Description", in.Description, maxDescriptionLength, "004 L9134–9141")
	if err := ch.err(); err != nil {
		return err
	}
	p := params{}.set("ProductKey", in.ProductKey).set("ProductName", in.ProductName).opt("Description", in.Description)
	return c.call(ctx, "UpdateProduct", p.values(), nil)
}

// DeleteProduct deletes a product; a product already gone answers
// aliyun.IsNotFound.
func (c *Client) DeleteProduct(ctx context.Context, productKey string) error {
	return c.productCall(ctx, "DeleteProduct", productKey)
}

// ReleaseProduct publishes a product, freezing its TSL model (L10338–10470).
func (c *Client) ReleaseProduct(ctx context.Context, productKey string) error {
	return c.productCall(ctx, "ReleaseProduct", productKey)
}

// CancelReleaseProduct returns a product to development (L10471–10581).
func (c *Client) CancelReleaseProduct(ctx context.Context, productKey string) error {
	return c.productCall(ctx, "CancelReleaseProduct", productKey)
}

func (c *Client) productCall(ctx context.Context, action, productKey string) error {
	if err := checkProductKey(action, productKey); err != nil {
		return err
	}
	return c.call(ctx, action, params{}.set("ProductKey", productKey).values(), nil)
}

func checkProductKey(action, productKey string) error {
	ch := check(action)
	ch.required("ProductKey", productKey)
	return ch.err()
}
