package aliyun

// Quota is the documented flow-control limit of one operation: queries per
// second per Alibaba Cloud account (RAM users share their account's quota,
// seed 004 L7857–7859).
type Quota struct {
	// QPS is the documented queries per second.
	QPS float64
	// DeepPageQPS, when set, replaces QPS once CurrentPage × PageSize reaches
	// DeepPageOffset (QueryProductList L8762–8765, QueryDevice L12068–12075).
	DeepPageQPS float64
	// Documented is false for the operations the seeds only name; their
	// limit is a conservative assumption, stated in Source.
	Documented bool
	// Source cites the seed line the number comes from.
	Source string
}

// DeepPageOffset is the CurrentPage × PageSize from which DeepPageQPS applies.
const DeepPageOffset = 100000

// Quotas is the documented QPS of every operation Kiot calls, one row per
// operation, each citing its seed line (API-DIGEST.md §5). The client paces
// itself by it and the simulator enforces it, so Kiot never trips the
// platform's flow control.
var Quotas = map[string]Quota{
	// Products (section 4.7).
	"CreateProduct":        {QPS: 50, Documented: true, Source: "004 L7857"},
	"QueryProduct":         {QPS: 50, Documented: true, Source: "004 L8355"},
	"QueryProductList":     {QPS: 50, DeepPageQPS: 2, Documented: true, Source: "004 L8758–8765"},
	"UpdateProduct":        {QPS: 10, Documented: true, Source: "004 L9069"},
	"DeleteProduct":        {QPS: 500, Documented: true, Source: "004 L9209"},
	"CreateProductTags":    {QPS: 500, Documented: true, Source: "004 L9328"},
	"UpdateProductTags":    {QPS: 500, Documented: true, Source: "004 L9488"},
	"DeleteProductTags":    {QPS: 500, Documented: true, Source: "004 L9654"},
	"ListProductTags":      {QPS: 500, Documented: true, Source: "004 L9781"},
	"ListProductByTags":    {QPS: 500, Documented: true, Source: "004 L9970"},
	"ReleaseProduct":       {QPS: 50, Documented: true, Source: "004 L10346"},
	"CancelReleaseProduct": {QPS: 50, Documented: true, Source: "004 L10474"},

	// Devices (section 4.8).
	"RegisterDevice":                 {QPS: 30, Documented: true, Source: "004 L10599"},
	"QueryDeviceInfo":                {QPS: 500, Documented: true, Source: "004 L11274"},
	"QueryDeviceDetail":              {QPS: 50, Documented: true, Source: "004 L11457"},
	"BatchQueryDeviceDetail":         {QPS: 5, Documented: true, Source: "004 L11778"},
	"QueryDevice":                    {QPS: 50, DeepPageQPS: 2, Documented: true, Source: "004 L12068–12075"},
	"DeleteDevice":                   {QPS: 50, Documented: true, Source: "004 L12411"},
	"GetDeviceStatus":                {QPS: 500, Documented: true, Source: "004 L12562"},
	"BatchGetDeviceState":            {QPS: 50, Documented: true, Source: "004 L12738"},
	"DisableThing":                   {QPS: 500, Documented: true, Source: "004 L12984"},
	"EnableThing":                    {QPS: 500, Documented: true, Source: "004 L13127"},
	"BatchCheckDeviceNames":          {QPS: 10, Documented: true, Source: "004 L13447"},
	"BatchRegisterDeviceWithApplyId": {QPS: 500, Documented: true, Source: "004 L13698"},
	"BatchRegisterDevice":            {QPS: 10, Documented: true, Source: "004 L13851"},
	"BatchUpdateDeviceNickname":      {QPS: 10, Documented: true, Source: "004 L13983"},
	"QueryBatchRegisterDeviceStatus": {QPS: 30, Documented: true, Source: "004 L14157"},
	"QueryPageByApplyId":             {QPS: 50, Documented: true, Source: "004 L14364"},
	"QueryDeviceProp":                {QPS: 50, Documented: true, Source: "004 L14873"},
	"SaveDeviceProp":                 {QPS: 50, Documented: true, Source: "004 L15042"},
	"DeleteDeviceProp":               {QPS: 500, Documented: true, Source: "004 L15219"},

	// Device groups (section 4.9).
	"CreateDeviceGroup":               {QPS: 500, Documented: true, Source: "004 L18197"},
	"UpdateDeviceGroup":               {QPS: 50, Documented: true, Source: "004 L18358"},
	"DeleteDeviceGroup":               {QPS: 500, Documented: true, Source: "004 L18494"},
	"BatchAddDeviceGroupRelations":    {QPS: 500, Documented: true, Source: "004 L18605"},
	"BatchDeleteDeviceGroupRelations": {QPS: 50, Documented: true, Source: "004 L18785"},
	"QueryDeviceGroupInfo":            {QPS: 30, Documented: true, Source: "004 L18956"},
	"QueryDeviceGroupList":            {QPS: 100, Documented: true, Source: "004 L19137"},
	"SetDeviceGroupTags":              {QPS: 50, Documented: true, Source: "004 L19478"},
	"QueryDeviceGroupTagList":         {QPS: 500, Documented: true, Source: "004 L19648"},
	"QueryDeviceGroupByDevice":        {QPS: 50, Documented: true, Source: "004 L19804"},
	"QuerySuperDeviceGroup":           {QPS: 10, Documented: true, Source: "004 L19972"},
	"QueryDeviceListByDeviceGroup":    {QPS: 5, Documented: true, Source: "004 L20113"},

	// Device distribution (seed files 000–003).
	"CreateDeviceDistributeJob": {QPS: 2, Documented: true, Source: "003 L31"},
	"QueryDeviceDistributeJob":  {QPS: 10, Documented: true, Source: "002 L6"},
	"ListDeviceDistributeJob":   {QPS: 5, Documented: true, Source: "001 L9"},
	"QueryDeviceProvisioning":   {QPS: 50, Documented: true, Source: "000 L5"},

	// Named in the operation list only (004 L2815–2834): no QPS is
	// documented, so each takes the limit of its closest documented sibling.
	"CreateProductDistributeJob":  {QPS: 2, Source: "undocumented; as CreateDeviceDistributeJob (003 L31)"},
	"QueryDeviceDistributeDetail": {QPS: 10, Source: "undocumented; as QueryDeviceDistributeJob (002 L6)"},
	"DeleteDeviceDistributeJob":   {QPS: 10, Source: "undocumented; as QueryDeviceDistributeJob (002 L6)"},
	"ListDistributedDevice":       {QPS: 5, Source: "undocumented; as ListDeviceDistributeJob (001 L9)"},
	"ListDistributedProduct":      {QPS: 5, Source: "undocumented; as ListDeviceDistributeJob (001 L9)"},
}

// QuotaFor returns the QPS that applies to a call of action at the given page
// offset (CurrentPage × PageSize, or 0 when the call does not page). ok is
// false for an action the table does not know.
func QuotaFor(action string, pageOffset int) (qps float64, ok bool) {
	q, ok := Quotas[action]
	if !ok {
		return 0, false
	}
	if q.DeepPageQPS > 0 && pageOffset >= DeepPageOffset {
		return q.DeepPageQPS, true
	}
	return q.QPS, true
}
