package aliyun

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// envelope is what every answer shares, in both error shapes. Code and
// Success are decoded leniently: the seeds show Code as a number (CreateProduct,
// L8165) and Success as the string "true" (002:L131).
type envelope struct {
	RequestID    string          `json:"RequestId"`
	Code         json.RawMessage `json:"Code"`
	Message      string          `json:"Message"`
	ErrorMessage string          `json:"ErrorMessage"`
	Success      json.RawMessage `json:"Success"`
}

// explicitFailure reports Success=false, as a bool or a string.
func (e envelope) explicitFailure() bool {
	s := strings.Trim(strings.TrimSpace(string(e.Success)), `"`)
	return strings.EqualFold(s, "false")
}

func (e envelope) code() string {
	raw := bytes.TrimSpace(e.Code)
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw) // a number
}

// decodeAnswer turns an HTTP answer into nil (and fills out) or an *Error.
// An answer fails when its status is not 2xx or when it says Success=false;
// a 2xx answer without Success is a success (the gateway always sends
// Success on iot.* answers, and some successes carry Code "success",
// 000:L34, so Code alone proves nothing).
func (c *Client) decodeAnswer(action string, status int, body []byte, out any) error {
	var env envelope
	jsonErr := json.Unmarshal(body, &env)
	failed := status < 200 || status > 299 || (jsonErr == nil && env.explicitFailure())
	if failed {
		e := &Error{
			Action:     action,
			HTTPStatus: status,
			Code:       env.code(),
			Message:    c.scrub(cmp.Or(env.Message, env.ErrorMessage)),
			RequestID:  env.RequestID,
		}
		switch {
		case jsonErr != nil:
			e.Message = "unreadable answer: " + http.StatusText(status)
		case e.Message == "" && e.Code == "":
			e.Message = "the platform reported a failure without a code"
		}
		e.class = classify(e.Code, status)
		return e
	}
	if jsonErr != nil {
		return &Error{Action: action, HTTPStatus: status, RequestID: env.RequestID,
			Message: "unreadable answer: " + jsonErrorText(jsonErr), class: ClassUnknown}
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(body, out); err != nil {
		return &Error{Action: action, HTTPStatus: status, RequestID: env.RequestID,
			Message: "decoding the answer: " + jsonErrorText(err), class: ClassUnknown}
	}
	return nil
}

// jsonErrorText describes a decoding failure by type and position; the
// json package never quotes values in these, so no secret of the answer
// (DeviceSecret, ProductSecret) can reach the message.
func jsonErrorText(err error) string {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return "malformed JSON at byte " + strconv.FormatInt(syntax.Offset, 10)
	case errors.As(err, &typ):
		kind, _, _ := strings.Cut(typ.Value, " ") // "number 12" → "number"
		return fmt.Sprintf("field %s: JSON %s does not fit %s", typ.Field, kind, typ.Type)
	}
	return "malformed JSON"
}

// readBounded reads at most limit bytes and fails beyond: a confused or
// hostile server must not exhaust the operator's memory.
func readBounded(r io.Reader, limit int64) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(body)) > limit {
		return nil, &oversizeError{limit}
	}
	return body, nil
}

// oversizeError is an answer past the size bound. Asking again would get
// the same answer, so unlike a broken connection it is not retried.
type oversizeError struct{ limit int64 }

func (e *oversizeError) Error() string { return fmt.Sprintf("answer larger than %d bytes", e.limit) }
