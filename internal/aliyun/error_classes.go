package aliyun

import (
	"net/http"
	"strings"
)

// Codes controllers name directly, for a condition reason of their own.
const (
	// CodeRunningTaskExceedLimit: at most 10 distribution tasks per account
	// (004 L4895; the platform spells it "Excceed").
	CodeRunningTaskExceedLimit = "iot.provisioning.RunningTaskExcceedLimit"
	// CodeThrottlingUser is the gateway's flow-control answer (API-DIGEST
	// §11.6; not in section 4.6).
	CodeThrottlingUser = "Throttling.User"
)

// codeClass is the classification of every code Kiot may meet, as data.
// Keys are lower-cased: the guide prints some codes with odd capitals
// (Iot.system.BillIsOverDue, iot.Prod.NotProductOwner). The citation is the
// code's first line in seed 004 section 4.6 unless it says otherwise.
var codeClass = map[string]Class{
	// Flow control. Section 4.6 has no generic code (API-DIGEST §11.6); the
	// gateway answers with Throttling.* as Alibaba Cloud's SDKs expect. All
	// Throttling* codes are matched by prefix below.
	"iot.messagebroker.ratelimit":             ClassThrottled, // L5764
	"iot.provisioning.sendcaptchaflowcontrol": ClassThrottled, // L5027

	// Transient platform failures ("retry later"). iot.system.* is matched
	// by prefix below; these are the per-domain "failed to ..." codes, which
	// describe a platform fault, not a bad request.
	"iot.common.querydeviceactionerror":             ClassRetryable, // L3902
	"iot.common.querydevicepropertyactionerror":     ClassRetryable, // L3912
	"iot.common.queryproductactionerror":            ClassRetryable, // L3918
	"iot.common.queryproductcountactionerror":       ClassRetryable, // L3924
	"iot.prod.createproductfailed":                  ClassRetryable, // L4034
	"iot.prod.querydevicecountactionerror":          ClassRetryable, // L4166
	"iot.prod.queryproductlistactionerror":          ClassRetryable, // L4199
	"iot.prod.updateproductfailed":                  ClassRetryable, // L4209
	"iot.prod.queryextendpropertyfailed":            ClassRetryable, // L4213
	"iot.device.createdevicefailed":                 ClassRetryable, // L4345
	"iot.device.applymanydevicesfailed":             ClassRetryable, // L4335
	"iot.device.deletedevicefailed":                 ClassRetryable, // L4382
	"iot.device.deletedevicepropertyfailed":         ClassRetryable, // L4390
	"iot.device.disabledevicefailed":                ClassRetryable, // L4396
	"iot.device.enabledevicefailed":                 ClassRetryable, // L4400
	"iot.device.querydeviceapplyactionerror":        ClassRetryable, // L4621
	"iot.device.querydevicelistactionerror":         ClassRetryable, // L4654
	"iot.device.querydevicestatusfailed":            ClassRetryable, // L4673
	"iot.device.saveorupdatedevicepropertiesfailed": ClassRetryable, // L4697
	"iot.group.deletegroupfailed":                   ClassRetryable, // L5118
	"iot.group.querygroupinfofailed":                ClassRetryable, // L5151
	"iot.group.querygroupcountfailed":               ClassRetryable, // L5170
	"iot.group.querygrouplistfailed":                ClassRetryable, // L5174
	"iot.group.bindgrouprelationfailed":             ClassRetryable, // L5178
	"iot.group.updategroupfailed":                   ClassRetryable, // L5187
	"iot.group.querygrouptreefailed":                ClassRetryable, // L5191
	"iot.group.creategroupfailed":                   ClassRetryable, // L5195
	"iot.group.setgrouptagfailed":                   ClassRetryable, // L5244
	"iot.group.querygrouptagfailed":                 ClassRetryable, // L5252
	"iot.group.querygrouprelationfailed":            ClassRetryable, // L5266
	"iot.provisioning.crmserviceerror":              ClassRetryable, // L4988
	// A replayed nonce is cured by the fresh nonce of the next attempt
	// (gateway code, not in the seeds).
	"signaturenonceused": ClassRetryable,

	// Gone.
	"iot.prod.notexistedproduct":       ClassNotFound, // L4122
	"iot.device.notexisteddevice":      ClassNotFound, // L4579
	"iot.group.notexistedgroup":        ClassNotFound, // L5159
	"iot.provisioning.tasknotexist":    ClassNotFound, // L4937
	"iot.device.deviceapplyisnotfound": ClassNotFound, // L4359

	// Natural key taken: look it up and adopt.
	"iot.prod.alreadyexistedproductname":  ClassAlreadyExists, // L4023
	"iot.device.alreadyexisteddevicename": ClassAlreadyExists, // L4324
	"iot.group.groupnameexisted":          ClassAlreadyExists, // L5147

	// Blocked by current state: retry later, slowly.
	"iot.device.createdevicetaskisrunning": ClassConflict, // L4349
	// Deleting a product that still has devices: the seeds name no code
	// (API-DIGEST §6.5); this is the simulator's. It clears once the
	// devices are gone.
	"iot.prod.producthasdevices":               ClassConflict,
	"iot.group.subgroupnotnull":                ClassConflict, // L5122
	"iot.group.groupcountexceedmax":            ClassConflict, // L5229: 100 subgroups, 10 groups per device
	"iot.prod.productcountexceedmax":           ClassConflict, // L4155: 1,000 products per instance
	"iot.prod.concurrentscriptoperation":       ClassConflict, // L4246
	"iot.provisioning.runningtaskexcceedlimit": ClassConflict, // L4895
	"iot.provisioning.tasknotfinish":           ClassConflict, // L4911
	"iot.provisioning.taskisprocessing":        ClassConflict, // L4918
	"iot.provisioning.deviceisinanothertask":   ClassConflict, // L4925
	"iot.provisioning.deviceisdistributing":    ClassConflict, // L4957
	"iot.provisioning.productisdistributing":   ClassConflict, // L4964
	"iot.device.inactivedevice":                ClassConflict, // L4404: exists, never connected
	"iot.provisioning.limitexceeded":           ClassConflict, // L5039

	// The request cannot succeed as it stands.
	"iot.system.instancenotfound":                       ClassTerminal, // L3836 (overrides the iot.system.* prefix)
	"iot.sre.iotinstancenotfound":                       ClassTerminal, // L3845
	"iot.system.uidnotfound":                            ClassTerminal, // L3847
	"iot.system.instanceidsame":                         ClassTerminal, // L3859
	"iot.system.billisoverdue":                          ClassTerminal, // L3872
	"iot.common.invalidpageparams":                      ClassTerminal, // L3888
	"iot.common.invalidtenant":                          ClassTerminal, // L3898, 000:L149
	"iot.common.ramactionpermissiondeny":                ClassTerminal, // L3930, 000:L148
	"iot.common.authactionpermissiondeny":               ClassTerminal, // L3943
	"iot.common.apinotsupportedininstance":              ClassTerminal, // L3971, 000:L147
	"iot.common.invalidformattedparameter":              ClassTerminal, // L3984, 000:L150
	"iot.prod.invalidaliyuncommoditycode":               ClassTerminal, // L4048
	"iot.prod.invalidformattedcatid":                    ClassTerminal, // L4064
	"iot.prod.invalidformattedproductkey":               ClassTerminal, // L4073
	"iot.prod.invalidformattedproductname":              ClassTerminal, // L4084
	"iot.prod.longproductdesc":                          ClassTerminal, // L4098
	"iot.prod.invalidnodetype":                          ClassTerminal, // L4109
	"iot.prod.nullproductkey":                           ClassTerminal, // L4145
	"iot.prod.nullproductname":                          ClassTerminal, // L4151
	"iot.prod.notproductowner":                          ClassTerminal, // L4280
	"iot.prod.productdataformatisnull":                  ClassTerminal, // L4288
	"iot.device.notdeviceowner":                         ClassTerminal, // L4306
	"iot.device.devicecountexceeded":                    ClassTerminal, // L4369
	"iot.device.invalidformattedapplyid":                ClassTerminal, // L4416
	"iot.device.incorrentdeviceapplyinfo":               ClassTerminal, // L4428
	"iot.device.invalidformatteddevicename":             ClassTerminal, // L4438
	"iot.device.invaliddevicenicknameexisted":           ClassTerminal, // L4452
	"iot.device.invalidformatteddevicepropertykey":      ClassTerminal, // L4467
	"iot.device.invalidformatteddevicepropertiesstring": ClassTerminal, // L4482
	"iot.device.invalidiotid":                           ClassTerminal, // L4496
	"iot.device.longdevicepropertiesstring":             ClassTerminal, // L4545
	"iot.device.nonedevicenameelement":                  ClassTerminal, // L4558
	"iot.device.nullapplyid":                            ClassTerminal, // L4595
	"iot.device.nulldevicename":                         ClassTerminal, // L4603
	"iot.device.nulldevicepropertykey":                  ClassTerminal, // L4611
	"iot.device.nulldevicepropertiesstring":             ClassTerminal, // L4615
	"iot.device.toomanydevicepropertiespertime":         ClassTerminal, // L4720
	"iot.device.pagetokenisillegal":                     ClassTerminal, // L4843
	"iot.device.devicehasdistributed":                   ClassTerminal, // L4854
	"iot.device.fuzzyruntimesearchminlengthlimit":       ClassTerminal, // L4868
	"iot.device.regionnotsupportdynamicgroup":           ClassTerminal, // L4879
	"iot.device.regionnotsupportx509":                   ClassTerminal, // L14236
	"iot.provisioning.taskalreadyfinish":                ClassTerminal, // L4943
	"iot.provisioning.uidandtasknotmatch":               ClassTerminal, // L4947
	"iot.provisioning.accountnotfound":                  ClassTerminal, // L4974
	"iot.provisioning.targetaccountparamserror":         ClassTerminal, // L4982
	"iot.provisioning.instanceoperationdeny":            ClassTerminal, // L4995
	"iot.provisioning.sourceinstancenotfound":           ClassTerminal, // L5006
	"iot.provisioning.targetinstancenotfound":           ClassTerminal, // L5012
	"iot.provisioning.notcrosstenantid":                 ClassTerminal, // L5058
	"iot.provisioning.errorstrategy":                    ClassTerminal, // L5069
	"iot.provisioning.instanceregionconflict":           ClassTerminal, // L5076
	"iot.provisioning.notdeviceowner":                   ClassTerminal, // L5086
	"iot.provisioning.nexttokennotnull":                 ClassTerminal, // L5093
	"iot.group.nullgroupid":                             ClassTerminal, // L5110
	"iot.group.invalidgroupname":                        ClassTerminal, // L5134
	"iot.group.invalidformattedtagstring":               ClassTerminal, // L5199
	"iot.group.tagcountexceedmax":                       ClassTerminal, // L5218
	"iot.group.longgroupdescerror":                      ClassTerminal, // L5255
	"iot.group.grouplevelexceedinglimiterror":           ClassTerminal, // L5276
	"iot.group.supergroupunsupport":                     ClassTerminal, // L5291
	// The gateway's own refusals (L3393–3402, and the codes Alibaba Cloud's
	// gateway uses for authentication; none is in section 4.6).
	"unsupportedoperation":         ClassTerminal,
	"missingparameter":             ClassTerminal,
	"invalidparameter":             ClassTerminal,
	"signaturedoesnotmatch":        ClassTerminal,
	"invalidaccesskeyid.notfound":  ClassTerminal,
	"invalidaccesskeyid":           ClassTerminal,
	"invalidtimestamp.expired":     ClassTerminal,
	"invalidtimestamp.format":      ClassTerminal,
	"invalidsecuritytoken.expired": ClassTerminal,
	"forbidden.ram":                ClassTerminal,
}

// codePrefixClass covers families of codes, tried after the exact table.
var codePrefixClass = []struct {
	prefix string
	class  Class
}{
	{"throttling", ClassThrottled},  // Throttling, Throttling.User, Throttling.Api (API-DIGEST §11.6)
	{"iot.system.", ClassRetryable}, // iot.system.SystemException "retry later" (L3831)
	{"serviceunavailable", ClassRetryable},
	{"internalerror", ClassRetryable},
}

// classify sorts a platform answer: its code first, then its HTTP status.
func classify(code string, httpStatus int) Class {
	lower := strings.ToLower(code)
	if c, ok := codeClass[lower]; ok {
		return c
	}
	for _, p := range codePrefixClass {
		if strings.HasPrefix(lower, p.prefix) {
			return p.class
		}
	}
	switch {
	case httpStatus == http.StatusTooManyRequests:
		return ClassThrottled
	case httpStatus >= 500:
		return ClassRetryable
	}
	return ClassUnknown
}
