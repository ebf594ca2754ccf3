package iot

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Tolerant JSON types. The platform's answers do not always keep to their
// documented types: QueryDeviceDistributeJob sends numbers and booleans as
// strings (002:L115–131), ListDeviceDistributeJob sends single objects where
// arrays are documented (001:L233–251), QuerySuperDeviceGroup a flat object
// where its table says array (L20039–20107). These types accept each
// variation and hold the documented meaning.

// FlexInt is a JSON integer that may arrive as a number, a numeric string, an
// empty string or null (zero).
type FlexInt int64

// UnmarshalJSON accepts 5, "5", "" and null.
func (n *FlexInt) UnmarshalJSON(b []byte) error {
	s := unquote(b)
	if s == "" || s == "null" {
		*n = 0
		return nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil {
			return fmt.Errorf("not an integer: %w", err)
		}
		v = int64(f)
	}
	*n = FlexInt(v)
	return nil
}

// FlexBool is a JSON boolean that may arrive as true, "true", 1 or "1".
type FlexBool bool

// UnmarshalJSON accepts booleans, their strings and 0/1.
func (v *FlexBool) UnmarshalJSON(b []byte) error {
	switch strings.ToLower(unquote(b)) {
	case "true", "1":
		*v = true
	case "false", "0", "", "null":
		*v = false
	default:
		return fmt.Errorf("not a boolean")
	}
	return nil
}

// FlexString is a JSON string that may arrive as a number (account IDs,
// ApplyIds, codes such as 200).
type FlexString string

// UnmarshalJSON accepts strings, numbers and null.
func (s *FlexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = FlexString(v)
		return nil
	}
	if string(b) == "null" {
		*s = ""
		return nil
	}
	*s = FlexString(b)
	return nil
}

// OneOrMany is a JSON array that may arrive as one bare object, or null.
type OneOrMany[T any] []T

// UnmarshalJSON accepts [..], {..} and null.
func (l *OneOrMany[T]) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || string(b) == "null":
		*l = nil
		return nil
	case b[0] == '[':
		var items []T
		if err := json.Unmarshal(b, &items); err != nil {
			return err
		}
		*l = items
		return nil
	}
	var one T
	if err := json.Unmarshal(b, &one); err != nil {
		return err
	}
	*l = OneOrMany[T]{one}
	return nil
}

func unquote(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		s = strings.TrimSpace(s[1 : len(s)-1])
	}
	return s
}
