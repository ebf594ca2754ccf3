package iotsim

import (
	"fmt"
	"net/http"
)

// apiError is a refusal in one of the platform's two shapes (API-DIGEST §3):
// the gateway shape (HTTP 4xx/5xx, {RequestId, Code, Message}) for transport,
// authentication and flow control, and the operation shape (HTTP 200,
// {RequestId, Success:false, Code, ErrorMessage}) for the iot.* codes.
type apiError struct {
	status  int
	code    string
	message string
	gateway bool
	// extra holds fields an operation returns beside the error, such as
	// BatchCheckDeviceNames' invalid-name lists.
	extra M
}

func (e *apiError) Error() string { return e.code + ": " + e.message }

// gatewayError is a gateway-shaped refusal.
func gatewayError(status int, code, message string) *apiError {
	return &apiError{status: status, code: code, message: message, gateway: true}
}

// iotError is an operation-shaped refusal with the code's documented
// description (section 4.6) as its message.
func iotError(code string) *apiError {
	msg, ok := iotMessages[code]
	if !ok {
		msg = "The request failed."
	}
	return &apiError{status: http.StatusOK, code: code, message: msg}
}

// iotErrorf is iotError with a message that names the offending value.
func iotErrorf(code, format string, args ...any) *apiError {
	e := iotError(code)
	e.message = fmt.Sprintf(format, args...)
	return e
}

// Gateway codes. None of them is in the seeds: section 4.6 documents no
// signature, timestamp, nonce, AccessKey or flow-control code (API-DIGEST
// §11.6–11.7). These are the codes Alibaba Cloud's POP gateway answers and
// its SDKs recognise, with the HTTP statuses it uses.
var (
	errUnsupportedOperation = func() *apiError {
		// The one gateway error the seeds show (004 L3393–3402).
		return gatewayError(http.StatusBadRequest, "UnsupportedOperation", "The specified action is not supported.")
	}
	errThrottled = func() *apiError {
		return gatewayError(http.StatusBadRequest, "Throttling.User", "Request was denied due to user flow control.")
	}
	errAccessKeyNotFound = func() *apiError {
		return gatewayError(http.StatusNotFound, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
	}
	errSignatureMismatch = func() *apiError {
		return gatewayError(http.StatusBadRequest, "SignatureDoesNotMatch", "Specified signature is not matched with our calculation.")
	}
	errNonceUsed = func() *apiError {
		return gatewayError(http.StatusBadRequest, "SignatureNonceUsed", "Specified signature nonce was used already.")
	}
	errTimestampExpired = func(ts string) *apiError {
		return gatewayError(http.StatusBadRequest, "InvalidTimeStamp.Expired",
			"Specified time stamp or date value is expired: "+ts+" is more than 15 minutes away from the server time.")
	}
	errTimestampFormat = func(ts string) *apiError {
		return gatewayError(http.StatusBadRequest, "InvalidTimeStamp.Format",
			"Specified time stamp or date value is not well formatted: "+ts+"; want YYYY-MM-DDThh:mm:ssZ in UTC.")
	}
	errMissingParameter = func(name string) *apiError {
		return gatewayError(http.StatusBadRequest, "MissingParameter", "The input parameter \""+name+"\" that is mandatory for processing this request is not supplied.")
	}
	errInvalidParameter = func(name, why string) *apiError {
		return gatewayError(http.StatusBadRequest, "InvalidParameter", "The specified parameter \""+name+"\" is not valid: "+why)
	}
)

// iotMessages are the descriptions of the iot.* codes the simulator answers,
// from section 4.6 of the developer guide (seed 004 L3820–7853; API-DIGEST
// §11) unless marked otherwise.
var iotMessages = map[string]string{
	"iot.system.SystemException":           "A system exception occurred.",
	"iot.system.InstanceNotFound":          "The specified instance ID does not exist.",
	"iot.system.InstanceIdSame":            "The ID of the specified source instance is the same as that of the specified destination instance.",
	"iot.common.InvalidPageParams":         "The specified page size or page number is invalid.",
	"iot.common.InvalidFormattedParameter": "The parameter format is invalid.",

	"iot.prod.AlreadyExistedProductName":   "The product name already exists. The name of each product in an instance must be unique.",
	"iot.prod.InvalidAliyunCommodityCode":  "The value of the AliyunCommodityCode parameter is invalid.",
	"iot.prod.InvalidFormattedProductName": "The format of the product name is invalid.",
	"iot.prod.InvalidFormattedProductkey":  "The format of the ProductKey is invalid.",
	"iot.prod.LongProductDesc":             "The product description exceeds the length limit. It must be 1 to 100 characters in length.",
	"iot.prod.InvalidNodeType":             "The node type of the product is invalid.",
	"iot.prod.NotExistedProduct":           "The product does not exist.",
	"iot.prod.NullProductKey":              "The ProductKey must be specified.",
	"iot.prod.NullProductName":             "The product name must be specified.",
	"iot.prod.ProductCountExceedMax":       "The number of products exceeds the limit. You can create up to 1,000 products in an instance.",
	"iot.prod.ProductDataFormatIsNull":     "The data format of the product must be specified.",
	"iot.prod.UpdateProductFailed":         "The system failed to update the product.",
	"iot.prod.QueryExtendPropertyFailed":   "The system failed to obtain the product tags.",
	"iot.prod.InvalidFormattedCatId":       "The category ID is invalid.",

	"iot.device.AlreadyExistedDeviceName":               "The DeviceName already exists. The DeviceName must be unique in the product.",
	"iot.device.CreateDeviceTaskIsRunning":              "A batch device-creation task is in progress. Try again later.",
	"iot.device.DeviceApplyIsNotFound":                  "The specified ApplyId is invalid. It must be the one that BatchCheckDeviceNames returned.",
	"iot.device.DeviceCountExceeded":                    "The number of devices in a single operation exceeds the limit.",
	"iot.device.IncorrentDeviceApplyInfo":               "The device application information is invalid.",
	"iot.device.InvalidFormattedApplyId":                "The format of the ApplyId is invalid.",
	"iot.device.InvalidFormattedDeviceName":             "The format of the DeviceName is invalid.",
	"iot.device.InvalidDeviceNickNameExisted":           "Invalid aliases exist in the request. See the returned invalid aliases.",
	"iot.device.InvalidFormattedDevicePropertyKey":      "The format of the device property identifier is invalid.",
	"iot.device.InvalidFormattedDevicePropertiesString": "The format of the device property is invalid.",
	"iot.device.InvalidIoTId":                           "The device ID is invalid.",
	"iot.device.LongDevicePropertiesString":             "The length of the device property exceeds the limit.",
	"iot.device.NoneDeviceNameElement":                  "The DeviceName list is empty.",
	"iot.device.NotExistedDevice":                       "The device does not exist.",
	"iot.device.NullApplyId":                            "The ApplyId must be specified.",
	"iot.device.NullDeviceName":                         "The DeviceName must be specified.",
	"iot.device.NullDevicePropertyKey":                  "The property name must be specified.",
	"iot.device.NullDevicePropertiesString":             "The device properties must be specified.",
	"iot.device.TooManyDevicePropertiesPerTime":         "The number of the specified properties exceeds the limit.",

	"iot.group.NullGroupId":                   "The group ID must be specified.",
	"iot.group.SubGroupNotNull":               "The group has subgroups. Delete the subgroups first.",
	"iot.group.InvalidGroupName":              "The group name is invalid. It can contain letters, digits, and underscores (_), and must be 4 to 30 characters in length.",
	"iot.group.GroupNameExisted":              "The group name already exists.",
	"iot.group.NotExistedGroup":               "The group does not exist.",
	"iot.group.InvalidFormattedTagString":     "The tag format is invalid. It must be a JSON array of {\"tagKey\",\"tagValue\"} objects.",
	"iot.group.TagCountExceedMax":             "The number of tags exceeds the limit. A group can have up to 100 tags.",
	"iot.group.GroupCountExceedMax":           "The number of groups exceeds the limit. A group can have up to 100 subgroups, and a device can be added to up to 10 groups.",
	"iot.group.LongGroupDescError":            "The group description must be 1 to 100 characters in length.",
	"iot.group.GroupLevelExceedingLimitError": "The group nesting level exceeds the limit. Groups can be nested up to three levels.",
	"iot.group.BindGroupRelationFailed":       "The system failed to establish the relationship between the device and the group.",

	"iot.provisioning.RunningTaskExcceedLimit":  "The number of running distribution tasks exceeds the limit. An account can have up to 10.",
	"iot.provisioning.TaskNotFinish":            "The distribution task is not complete.",
	"iot.provisioning.DeviceIsInAnotherTask":    "The device is in another distribution task. A device can be distributed by only one task at a time.",
	"iot.provisioning.TaskNotExist":             "The task does not exist.",
	"iot.provisioning.UidAndTaskNotMatch":       "The account is different from the account that created the task.",
	"iot.provisioning.AccountNotFound":          "The account does not exist.",
	"iot.provisioning.TargetAccountParamsError": "Valid account information is required.",
	"iot.provisioning.SourceInstanceNotFound":   "The source instance ID does not exist.",
	"iot.provisioning.TargetInstanceNotFound":   "The destination instance ID does not exist.",
	"iot.provisioning.NotCrossTenantId":         "The operation cannot be performed across accounts.",
	"iot.provisioning.ErrorStrategy":            "The distribution policy is not supported.",
	"iot.provisioning.InstanceRegionConflict":   "Only one instance ID can be specified for a region.",
	"iot.provisioning.NextTokenNotNull":         "The NextToken parameter cannot be empty.",
}
