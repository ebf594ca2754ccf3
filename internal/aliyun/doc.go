// Package aliyun is the signed RPC client of the IoT Platform (API version
// 2018-01-20): the signature of section 4.5, the common parameters, GET or
// POST transport with deadlines and bounded answers, one classified *Error
// for both documented error shapes, client-side quotas per AccessKeyId and
// action, retries of throttled and transient failures, and Prometheus
// metrics. It knows nothing of individual operations beyond their quotas;
// internal/iot builds the typed calls on top of Client.Do.
package aliyun
